"""A small HTTP service for a trained model: `create_app(predictor)` builds the FastAPI app."""

from plugboard.seq2seq.serving.app import create_app

__all__ = ["create_app"]
