"""The Gradio chat: a thin layer over qa (issue 5)."""
