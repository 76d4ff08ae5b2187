"""Caption vocabulary, decoder, decoding and BLEU (Exercise 4)."""
