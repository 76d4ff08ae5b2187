"""Image loading, pretrained backbones and the feature cache (Exercise 4)."""
