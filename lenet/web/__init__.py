"""The page: Gradio components with the app's fixes, the per-digit readout, its script and stylesheet."""
