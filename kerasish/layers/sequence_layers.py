"""The attention and text/categorical preprocessing layers (issue 15), gathered for
``kerasish.layers``' one import line."""

from kerasish.layers.attention import AdditiveAttention, Attention
from kerasish.layers.grouped_query_attention import (  # noqa: F401 (Keras's class name)
    GroupedQueryAttention, GroupQueryAttention)
from kerasish.layers.categorical import CategoryEncoding, Discretization
from kerasish.layers.hashing import HashedCrossing, Hashing
from kerasish.layers.lookup import IntegerLookup, StringLookup
from kerasish.layers.multi_head_attention import MultiHeadAttention
from kerasish.layers.text_vectorization import TextVectorization

__all__ = ["AdditiveAttention", "Attention", "GroupQueryAttention", "MultiHeadAttention",
           "CategoryEncoding", "Discretization", "HashedCrossing", "Hashing",
           "IntegerLookup", "StringLookup",
           "TextVectorization"]
