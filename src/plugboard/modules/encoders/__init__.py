"""The encoder slot: token ids -> states for attention and a summary to start the decoder."""

from plugboard.modules.encoders.base import Encoder, EncoderOutput
from plugboard.modules.encoders.recurrent import RecurrentEncoder
from plugboard.modules.encoders.transformer import TransformerEncoder

__all__ = ["Encoder", "EncoderOutput", "RecurrentEncoder", "TransformerEncoder"]
