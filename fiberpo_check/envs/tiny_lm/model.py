"""A tiny causal GPT (nanoGPT-like): token + position embeddings, pre-norm blocks, tied output head."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F


@dataclass(frozen=True)
class GPTConfig:
    """Vocabulary, context length and width of the model."""

    vocab_size: int
    block_size: int
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64


class Block(nn.Module):
    """Pre-norm transformer block: causal self-attention then a 4x MLP, each with a residual."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.n_head = config.n_head
        self.ln_1, self.ln_2 = nn.LayerNorm(config.n_embd), nn.LayerNorm(config.n_embd)
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd)
        self.proj = nn.Linear(config.n_embd, config.n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(config.n_embd, 4 * config.n_embd), nn.GELU(), nn.Linear(4 * config.n_embd, config.n_embd)
        )

    def forward(self, x: Tensor, kv: tuple[Tensor, Tensor] | None = None, start: int = 0) -> Tensor:
        """x [B, t, C] at positions start..start+t-1 -> [B, t, C]. With `kv` (key and value buffers of a KVCache)
        these positions' keys and values are written into it and attention also reads the earlier ones."""
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
        if kv is not None:
            kv[0][:, :, start : start + t], kv[1][:, :, start : start + t] = k, v
            k, v = kv[0][:, :, : start + t], kv[1][:, :, : start + t]
        if start == 0:  # no earlier positions: plain causal attention
            attn = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        elif t == 1:  # one new position (incremental decoding): it sees every key, no mask needed
            attn = F.scaled_dot_product_attention(q, k, v)
        else:  # queries at the last t positions see every earlier key and the causal part of their own block
            attn = F.scaled_dot_product_attention(q, k, v, attn_mask=causal_tail(t, start + t, x.device))
        x = x + self.proj(attn.transpose(1, 2).reshape(b, t, c))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """The language model: logits [B, T, V] for token ids [B, T]."""

    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.tok = nn.Embedding(config.vocab_size, config.n_embd)
        self.pos = nn.Embedding(config.block_size, config.n_embd)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.apply(init_weights)

    def forward(self, idx: Tensor, cache: KVCache | None = None) -> Tensor:
        """Logits of token ids idx [B, t]; with a `cache`, idx continues the positions already in it and only the new
        positions are computed (their keys and values are added to the cache)."""
        start = 0 if cache is None else cache.length
        x = self.tok(idx) + self.pos(torch.arange(start, start + idx.shape[1], device=idx.device))
        for index, block in enumerate(self.blocks):
            x = block(x, None if cache is None else cache.buffers(self, index, x), start)
        if cache is not None:
            cache.length += idx.shape[1]
        return self.ln_f(x) @ self.tok.weight.T

    def num_parameters(self) -> int:
        """Number of trainable parameters."""
        return sum(p.numel() for p in self.parameters())


class KVCache:
    """Keys and values of the positions decoded so far, one pair of [B, heads, block_size, head dim] buffers per block
    (allocated at the first call), and how many positions they hold."""

    def __init__(self) -> None:
        self.layers: list[tuple[Tensor, Tensor]] = []
        self.length = 0

    def buffers(self, model: GPT, index: int, x: Tensor) -> tuple[Tensor, Tensor]:
        """The key and value buffers of block `index`, allocated like x on first use."""
        if index == len(self.layers):
            config = model.config
            shape = (x.shape[0], config.n_head, config.block_size, config.n_embd // config.n_head)
            self.layers.append((x.new_empty(shape), x.new_empty(shape)))
        return self.layers[index]


def causal_tail(t: int, n: int, device) -> Tensor:
    """Boolean attention mask of t queries at positions n-t..n-1 over n keys (True: may attend)."""
    return torch.ones(t, n, dtype=torch.bool, device=device).tril(diagonal=n - t)


def init_weights(module: nn.Module) -> None:
    """GPT-2 initialisation: N(0, 0.02) weights, zero biases."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, std=0.02)
    if isinstance(module, nn.Linear) and module.bias is not None:
        nn.init.zeros_(module.bias)
