"""Plain `nn.Module` building blocks, one folder per slot (attention, encoders, decoders)."""
