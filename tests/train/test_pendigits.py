"""The UNIPEN reader: strokes, labels and writers from small files made here; damaged files refused."""

import gzip

import keras
import ncompress
import numpy as np
import pytest
from shared_data import pen_digits_or_skip

from lenet import config
from lenet.train.pendigits import (
    PUBLISHED_MD5,
    PenDigitsFormatError,
    WriterSplitError,
    keep_writers,
    load_pendigits,
    parse_unipen,
    read_pendigits_file,
    writer_split,
)

HEADER = '.INCLUDE dene.doc\n\n.LEXICON "0" "1" "2" "3" "4" "5" "6" "7" "8" "9"\n.HIERARCHY DIGIT\n\n'


def segment(number, label, writer, strokes, comment_label=None):
    lines = [f'.SEGMENT DIGIT {number} ? "{label}"', f".COMMENT {comment_label or label} {writer} {number}"]
    for stroke in strokes:
        lines += [".PEN_DOWN", *(f" {x}  {y}" for x, y in stroke), ".PEN_UP"]
    return "\n".join(lines + [".DT 100", ""]) + "\n"


SEVEN = [[(100, 300), (200, 300), (130, 100)], [(120, 200), (190, 200)]]  # A crossed 7: two strokes.
ONE = [[(150, 300), (150, 100)]]


def test_strokes_labels_and_writers_are_read():
    digits = parse_unipen(HEADER + segment(0, 7, 12, SEVEN) + segment(1, 1, 3, ONE))
    assert [(d.label, d.writer, len(d.strokes)) for d in digits] == [(7, 12, 2), (1, 3, 1)]
    # y grows upwards on the tablet and downwards in images: the top bar comes out on top.
    first_stroke = digits[0].strokes[0]
    assert first_stroke.dtype == np.float32 and first_stroke.shape == (3, 2)
    np.testing.assert_array_equal(first_stroke, [[100, -300], [200, -300], [130, -100]])
    assert first_stroke[0, 1] < first_stroke[2, 1]


@pytest.mark.parametrize("text, message", [
    (segment(0, 7, 12, SEVEN).replace(".PEN_UP\n.PEN_DOWN", ".PEN_DOWN"), "line 7: .PEN_DOWN while the pen is already down"),
    (segment(0, 1, 3, ONE).replace(".PEN_UP", ""), "has a .PEN_DOWN without .PEN_UP"),
    (segment(0, 1, 3, ONE).replace(" 150  100", " 150  1OO"), "line 5: point '150 1OO' is not two integers"),
    (segment(0, 1, 3, ONE).replace(" 150  100", " 150"), "line 5: expected a point 'x y'"),
    (segment(0, 1, 3, ONE, comment_label=7), "line 2: the comment's label 7 differs from the segment's label 1"),
    (segment(0, "x", 3, ONE), "line 1: expected '.SEGMENT DIGIT <n> ? \"<0-9>\"'"),
    (segment(0, 12, 3, ONE), "line 1: expected '.SEGMENT DIGIT"),
    (segment(0, 1, 3, []), "line 1: the digit has no strokes"),
    (segment(0, 1, 3, ONE).replace(".COMMENT 1 3 0\n", ""), "the digit has no '.COMMENT"),
    (" 150  300\n", "line 1: points '150  300' outside .PEN_DOWN"),
    (".PEN_UP\n", ".PEN_UP without .PEN_DOWN"),
    (HEADER, "holds no '.SEGMENT DIGIT' entries"),
])
def test_damaged_input_names_the_line_and_what_to_do(text, message):
    with pytest.raises(PenDigitsFormatError, match="--no-pen-data") as caught:
        parse_unipen(text, "pen.tra")
    assert str(caught.value).startswith("pen.tra")
    assert message in str(caught.value)


def test_files_are_read_plain_or_gzipped_and_checksummed(tmp_path):
    text = HEADER + segment(0, 7, 12, SEVEN)
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "pendigits-orig.tra").write_text(text)
    (tmp_path / "gz").mkdir()
    (tmp_path / "gz" / "pendigits-orig.tra.gz").write_bytes(gzip.compress(text.encode()))
    plain, zipped = load_pendigits(tmp_path / "plain"), load_pendigits(tmp_path / "gz")
    assert plain.md5 == zipped.md5 and plain.name == zipped.name == "pendigits-orig.tra"
    assert [d.label for d in zipped.digits] == [7]


@pytest.mark.parametrize("content, message", [
    (b"\x1f\x8b\x08\x00garbage", "cannot be read or decompressed"),
    (b"\x1f\x9d\x90garbage\xff\xff", "cannot be read or decompressed"),
    ("é".encode() * 10, "is not ASCII text"),
])
def test_damaged_files_are_refused(tmp_path, content, message):
    path = tmp_path / "pendigits-orig.tra"
    path.write_bytes(content)
    with pytest.raises(PenDigitsFormatError, match=message):
        read_pendigits_file(path)


def test_a_folder_without_the_file_says_what_to_pass(tmp_path):
    with pytest.raises(PenDigitsFormatError, match="holds no pendigits-orig.tra"):
        load_pendigits(tmp_path)


def test_writer_split_never_shares_a_writer():
    text = HEADER + "".join(segment(i, i % 10, 1 + i % 30, ONE) for i in range(300))
    digits = read_pendigits_from_text(text)
    train, validation, held_out = writer_split(digits, 5, seed=1)
    assert len(held_out) == 5 and len(train) + len(validation) == 300
    assert set(digits.writers[train]).isdisjoint(digits.writers[validation])
    assert set(digits.writers[validation]) == set(held_out)
    assert writer_split(digits, 5, seed=1)[2] == held_out  # Reproducible from the seed.
    with pytest.raises(WriterSplitError, match="can hold out 1 to 29 of 30 writers"):
        writer_split(digits, 30, seed=1)


def test_writer_split_holds_out_the_writers_named():
    text = HEADER + "".join(segment(i, i % 10, 1 + i % 30, ONE) for i in range(300))
    digits = read_pendigits_from_text(text)
    train, validation, held_out = writer_split(digits, [7, 3, 12], seed=1)
    assert held_out == [3, 7, 12]
    assert set(digits.writers[validation]) == {3, 7, 12} and len(validation) == 30
    assert not set(digits.writers[train]) & {3, 7, 12}
    for wrong in ([31], [], list(range(1, 31))):
        with pytest.raises(WriterSplitError, match="writers to hold out must be some, not all, of 1-30"):
            writer_split(digits, wrong, seed=1)


def test_training_on_fewer_writers_keeps_whole_writers_and_never_a_held_out_one():
    text = HEADER + "".join(segment(i, i % 10, 1 + i % 30, ONE) for i in range(300))
    digits = read_pendigits_from_text(text)
    train, _, held_out = writer_split(digits, 5, seed=1)
    kept, writers = keep_writers(digits, train, 8, seed=1)
    assert len(writers) == 8 and not set(writers) & set(held_out)
    assert set(digits.writers[kept]) == set(writers) and len(kept) == 8 * 10  # Every digit of each.
    assert keep_writers(digits, train, 8, seed=1)[1] == writers  # Reproducible from the seed.
    assert len(keep_writers(digits, train, 25, seed=1)[0]) == len(train)
    with pytest.raises(WriterSplitError, match="can train on 1 to 25 writers, not 26"):
        keep_writers(digits, train, 26, seed=1)


def read_pendigits_from_text(text):
    from lenet.train.pendigits import PenDigits

    return PenDigits(parse_unipen(text), "test", "")


def test_the_shared_copy_is_the_published_file():
    pen_digits_or_skip()
    digits = load_pendigits()
    assert digits.md5 == PUBLISHED_MD5 and len(digits.digits) == 7494
    assert np.bincount(digits.labels).tolist() == [780, 779, 780, 719, 780, 720, 720, 778, 719, 719]
    assert len(np.unique(digits.writers)) == 30


def test_without_a_local_copy_the_uci_file_is_downloaded_and_checked(tmp_path, monkeypatch):
    import hashlib

    import lenet.train.pendigits

    # What UCI serves: the file compressed with Unix compress (a small one here, with its own md5).
    published = (HEADER + "".join(segment(i, i % 10, 1 + i % 30, SEVEN) for i in range(200))).encode()
    download = tmp_path / "pendigits-orig.tra.Z"
    download.write_bytes(ncompress.compress(published))
    requested = []
    monkeypatch.setattr(lenet.train.pendigits, "PUBLISHED_MD5", hashlib.md5(published).hexdigest())
    monkeypatch.setattr(config, "SHARED_PENDIGITS_DIR", tmp_path / "nowhere")
    monkeypatch.delenv(config.PENDIGITS_DIR_ENV, raising=False)
    monkeypatch.setattr(keras.utils, "get_file", lambda name, origin, **_: requested.append(origin) or str(download))
    digits = load_pendigits()
    assert requested == ["https://archive.ics.uci.edu/ml/machine-learning-databases/pendigits/pendigits-orig.tra.Z"]
    assert len(digits.digits) == 200 and digits.name == "pendigits-orig.tra"
    # A download that differs from the published file is refused, with what to do.
    download.write_bytes(ncompress.compress(published.replace(b" 200  300", b" 201  300", 1)))
    with pytest.raises(PenDigitsFormatError, match="differs from the published .* delete it and retry"):
        load_pendigits()


def test_pendigits_dir_in_the_environment_is_where_they_are_read(tmp_path, monkeypatch):
    (tmp_path / "pendigits-orig.tra").write_text(HEADER + segment(0, 7, 3, SEVEN) + segment(1, 1, 4, ONE))
    monkeypatch.setenv(config.PENDIGITS_DIR_ENV, str(tmp_path))
    digits = load_pendigits()
    assert digits.labels.tolist() == [7, 1] and digits.writers.tolist() == [3, 4]
