"""The attention and text/categorical preprocessing layers (issue 15), gathered for
``kerasish.layers``' one import line."""

from kerasish.layers.attention import AdditiveAttention, Attention
from kerasish.layers.grouped_query_attention import GroupedQueryAttention, GroupQueryAttention
from kerasish.layers.multi_head_attention import MultiHeadAttention

__all__ = ["AdditiveAttention", "Attention", "GroupQueryAttention", "MultiHeadAttention"]
