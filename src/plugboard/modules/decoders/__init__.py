"""The decoder slot: previous tokens + encoder output -> next-token logits."""

from plugboard.modules.decoders.base import Decoder, DecoderState, PreparedSource
from plugboard.modules.decoders.recurrent import RecurrentDecoder
from plugboard.modules.decoders.transformer import TransformerDecoder

__all__ = ["Decoder", "DecoderState", "PreparedSource", "RecurrentDecoder", "TransformerDecoder"]
