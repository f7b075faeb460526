"""Keep Gradio's `delete_cache` working under concurrent requests (Gradio 6.31).

Gradio deletes old cached files by iterating over the live sets of files its requests add to. When
a request adds a file meanwhile (any busy server), the iteration raises "Set changed size during
iteration", which ends the scheduled cleanup for good: from then on uploads and previews pile up
until the disk is full. benchmarks/bench_soak.py found it. The fix hands Gradio's own cleanup
copies of the sets, then drops what it deleted from the live ones.
"""

from types import SimpleNamespace

from gradio import route_utils

_gradio_cleanup = route_utils.delete_files_created_by_app


def make_cache_cleanup_safe():
    """Install the safe cleanup in place of Gradio's (idempotent)."""
    route_utils.delete_files_created_by_app = delete_files_safely


def delete_files_safely(blocks, age):
    """Gradio's delete_files_created_by_app(blocks, age), run on snapshots of the file sets."""
    live_sets = list(blocks.temp_file_sets)
    # set(s) copies in one step under the GIL, so a request adding a file cannot break it.
    snapshots = [set(files) for files in live_sets]
    copies = [set(files) for files in snapshots]
    _gradio_cleanup(SimpleNamespace(blocks=blocks.blocks, temp_file_sets=copies), age)
    for live, before, after in zip(live_sets, snapshots, copies):
        live.difference_update(before - after)
