"""The Gradio chat: a thin layer over ``qa`` (``build_app`` builds it, ``launch`` serves it)."""

from ui.app import build_app, launch

__all__ = ["build_app", "launch"]
