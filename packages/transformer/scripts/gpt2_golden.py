#!/usr/bin/env python3
"""Golden files for typegrad's GPT-2 parity test, from an independent PyTorch implementation.

HuggingFace transformers is not installable here, so this file re-implements GPT2LMHeadModel's
forward pass from its definition (modeling_gpt2.py): Conv1D projections (y = x @ W + b with W
stored [in, out]), gelu_new, pre-norm blocks, a causal mask, scaled dot-product attention and a
head tied to wte. Everything runs in float64 so the TypeScript side can compare to ~1e-10.

Writes (under packages/transformer/test/fixtures/):
  gpt2-tiny/config.json          HF-style config (vocab 53, n_positions 16, n_embd 24, 2 layers, 3 heads)
  gpt2-tiny/model.safetensors    F64 weights with HF GPT-2 key names (no `transformer.` prefix, as
                                 the hub's gpt2 file), including the `h.N.attn.bias` /
                                 `h.N.attn.masked_bias` buffers old checkpoints carry
  gpt2-tiny/golden.safetensors   ids, targets (some -100), logits, loss, every parameter gradient,
                                 and greedy decoding of 8 tokens from a prompt
  gpt2-half-f16/, gpt2-half-bf16/  a smaller model stored as F16 / BF16, with float64 logits of
                                 the rounded weights

Usage (Debian's torch: `apt-get install -y python3-torch`): /usr/bin/python3 gpt2_golden.py
"""
import json
import math
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "test", "fixtures")

# ---------------------------------------------------------------------------------------------
# safetensors: an 8-byte little-endian header length, a JSON header, then the raw data buffer.
# ---------------------------------------------------------------------------------------------
_ST_DTYPES = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.bool: "BOOL",
}
_ST_SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "BOOL": 1}
_TORCH_DTYPES = {v: k for k, v in _ST_DTYPES.items()}


def _tensor_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: reinterpret the bits
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    if t.dtype == torch.bool:
        return t.to(torch.uint8).numpy().tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} as the reference writer does (F64/F32 first, then by name)."""
    order = sorted(tensors.items(), key=lambda kv: (-_ST_SIZES[_ST_DTYPES[kv[1].dtype]], kv[0]))
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    chunks = []
    offset = 0
    for name, t in order:
        data = _tensor_bytes(t)
        header[name] = {
            "dtype": _ST_DTYPES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for c in chunks:
            f.write(c)


def read_safetensors(path):
    """Reads {name: tensor} from a safetensors file (validating that the data tiles the buffer)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    data = raw[8 + n :]
    out = {}
    spans = []
    for name, info in header.items():
        begin, end = info["data_offsets"]
        spans.append((begin, end))
        dtype = _TORCH_DTYPES[info["dtype"]]
        chunk = bytearray(data[begin:end])
        count = math.prod(info["shape"])
        if end - begin != count * _ST_SIZES[info["dtype"]]:
            raise ValueError(f"{path}: tensor {name}: {end - begin} bytes for shape {info['shape']}")
        if info["dtype"] == "BF16":
            t = torch.frombuffer(chunk, dtype=torch.int16).view(torch.bfloat16) if count else torch.zeros(0, dtype=dtype)
        elif info["dtype"] == "BOOL":
            t = torch.frombuffer(chunk, dtype=torch.uint8).to(torch.bool) if count else torch.zeros(0, dtype=dtype)
        else:
            t = torch.frombuffer(chunk, dtype=dtype) if count else torch.zeros(0, dtype=dtype)
        out[name] = t.reshape(info["shape"]).clone()
    spans.sort()
    at = 0
    for begin, end in spans:
        if begin != at:
            raise ValueError(f"{path}: data offsets leave a gap or overlap at byte {at}")
        at = end
    if at != len(data):
        raise ValueError(f"{path}: {len(data) - at} trailing bytes")
    return out


# ---------------------------------------------------------------------------------------------
# GPT-2 (HF GPT2LMHeadModel semantics), functional over a dict of parameters named as HF names them.
# ---------------------------------------------------------------------------------------------
def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def conv1d(params, name, x, adapters=None):
    """HF Conv1D: x @ W + b with W [in, out]; `adapters` may add a LoRA update for `name`."""
    y = x @ params[f"{name}.weight"] + params[f"{name}.bias"]
    if adapters and name in adapters:
        y = adapters[name].linear(x, y, params[f"{name}.weight"], params[f"{name}.bias"])
    return y


def embed(params, name, ids, adapters=None):
    e = params[f"{name}.weight"][ids]
    if adapters and name in adapters:
        e = adapters[name].embedding(ids, e)
    return e


def gpt2_forward(params, config, ids, adapters=None):
    """Logits [B, T, V] of GPT2LMHeadModel in eval mode (no dropout)."""
    B, L = ids.shape
    C, H = config["n_embd"], config["n_head"]
    D = C // H
    eps = config.get("layer_norm_epsilon", 1e-5)
    positions = torch.arange(L)
    h = embed(params, "wte", ids, adapters) + embed(params, "wpe", positions, adapters)
    causal = torch.tril(torch.ones(L, L, dtype=torch.bool)).view(1, 1, L, L)
    for i in range(config["n_layer"]):
        p = f"h.{i}"
        a = torch.nn.functional.layer_norm(h, (C,), params[f"{p}.ln_1.weight"], params[f"{p}.ln_1.bias"], eps)
        qkv = conv1d(params, f"{p}.attn.c_attn", a, adapters)
        q, k, v = qkv.split(C, dim=2)
        q, k, v = (t.view(B, L, H, D).permute(0, 2, 1, 3) for t in (q, k, v))
        w = (q @ k.transpose(-1, -2)) / torch.full([], D**0.5, dtype=q.dtype)
        w = torch.where(causal, w, torch.full([], torch.finfo(w.dtype).min, dtype=w.dtype))
        w = torch.softmax(w, dim=-1)
        y = (w @ v).permute(0, 2, 1, 3).reshape(B, L, C)
        h = h + conv1d(params, f"{p}.attn.c_proj", y, adapters)
        m = torch.nn.functional.layer_norm(h, (C,), params[f"{p}.ln_2.weight"], params[f"{p}.ln_2.bias"], eps)
        m = gelu_new(conv1d(params, f"{p}.mlp.c_fc", m, adapters))
        h = h + conv1d(params, f"{p}.mlp.c_proj", m, adapters)
    h = torch.nn.functional.layer_norm(h, (C,), params["ln_f.weight"], params["ln_f.bias"], eps)
    return h @ params["wte.weight"].T  # tied lm_head


def lm_loss(logits, targets):
    """Mean cross entropy over targets != -100 (targets already aligned with positions)."""
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)


def greedy(params, config, prompt, steps, adapters=None):
    tokens = prompt.clone()
    out = []
    with torch.no_grad():
        for _ in range(steps):
            nxt = int(gpt2_forward(params, config, tokens, adapters)[0, -1].argmax())
            out.append(nxt)
            tokens = torch.cat([tokens, torch.tensor([[nxt]])], dim=1)
    return torch.tensor(out, dtype=torch.int64)


def parameter_shapes(config):
    V, P, C = config["vocab_size"], config["n_positions"], config["n_embd"]
    inner = config.get("n_inner") or 4 * C
    shapes = {"wte.weight": (V, C), "wpe.weight": (P, C)}
    for i in range(config["n_layer"]):
        p = f"h.{i}"
        shapes.update(
            {
                f"{p}.ln_1.weight": (C,),
                f"{p}.ln_1.bias": (C,),
                f"{p}.attn.c_attn.weight": (C, 3 * C),
                f"{p}.attn.c_attn.bias": (3 * C,),
                f"{p}.attn.c_proj.weight": (C, C),
                f"{p}.attn.c_proj.bias": (C,),
                f"{p}.ln_2.weight": (C,),
                f"{p}.ln_2.bias": (C,),
                f"{p}.mlp.c_fc.weight": (C, inner),
                f"{p}.mlp.c_fc.bias": (inner,),
                f"{p}.mlp.c_proj.weight": (inner, C),
                f"{p}.mlp.c_proj.bias": (C,),
            }
        )
    shapes.update({"ln_f.weight": (C,), "ln_f.bias": (C,)})
    return shapes


def random_params(config, generator):
    """Random weights large enough that every gradient is well away from zero."""
    params = {}
    for name, shape in parameter_shapes(config).items():
        if ".ln_" in name or name.startswith("ln_f"):
            base = 1.0 if name.endswith("weight") else 0.0
            params[name] = base + 0.1 * torch.randn(shape, generator=generator, dtype=torch.float64)
        elif name.endswith("bias"):
            params[name] = 0.05 * torch.randn(shape, generator=generator, dtype=torch.float64)
        else:
            std = 0.3 if name in ("wte.weight", "wpe.weight") else 0.15
            params[name] = std * torch.randn(shape, generator=generator, dtype=torch.float64)
    return params


def hf_config(config, torch_dtype):
    """A config.json as GPT2Config.save_pretrained writes it (the fields that matter)."""
    return {
        "activation_function": "gelu_new",
        "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.1,
        "bos_token_id": config["vocab_size"] - 1,
        "embd_pdrop": 0.1,
        "eos_token_id": config["vocab_size"] - 1,
        "initializer_range": 0.02,
        "layer_norm_epsilon": 1e-05,
        "model_type": "gpt2",
        "n_ctx": config["n_positions"],
        "n_embd": config["n_embd"],
        "n_head": config["n_head"],
        "n_inner": None,
        "n_layer": config["n_layer"],
        "n_positions": config["n_positions"],
        "reorder_and_upcast_attn": False,
        "resid_pdrop": 0.1,
        "scale_attn_by_inverse_layer_idx": False,
        "scale_attn_weights": True,
        "summary_activation": None,
        "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True,
        "summary_type": "cls_index",
        "summary_use_proj": True,
        "torch_dtype": torch_dtype,
        "transformers_version": "4.46.3",
        "use_cache": True,
        "vocab_size": config["vocab_size"],
    }


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, indent=2, sort_keys=True)
        f.write("\n")


TINY = {"vocab_size": 53, "n_positions": 16, "n_embd": 24, "n_layer": 2, "n_head": 3}
HALF = {"vocab_size": 19, "n_positions": 8, "n_embd": 8, "n_layer": 1, "n_head": 2}


def tiny_inputs(config, generator):
    ids = torch.randint(0, config["vocab_size"], (2, 11), generator=generator)
    targets = torch.randint(0, config["vocab_size"], (2, 11), generator=generator)
    targets[0, 3] = -100
    targets[1, 0] = -100
    targets[1, 10] = -100
    return ids, targets


def load_tiny():
    """The gpt2-tiny fixture as (params in float64, config), for peft_golden.py."""
    d = os.path.join(FIXTURES, "gpt2-tiny")
    with open(os.path.join(d, "config.json")) as f:
        config = json.load(f)
    tensors = read_safetensors(os.path.join(d, "model.safetensors"))
    params = {k: v.to(torch.float64) for k, v in tensors.items() if k in parameter_shapes(config)}
    return params, config


def write_tiny():
    g = torch.Generator().manual_seed(20240611)
    config = TINY
    params = random_params(config, g)
    out = os.path.join(FIXTURES, "gpt2-tiny")
    write_json(os.path.join(out, "config.json"), hf_config(config, "float64"))
    L = config["n_positions"]
    stored = dict(params)
    for i in range(config["n_layer"]):  # the non-parameter buffers old GPT-2 checkpoints carry
        stored[f"h.{i}.attn.bias"] = torch.tril(torch.ones(L, L, dtype=torch.float64)).view(1, 1, L, L)
        stored[f"h.{i}.attn.masked_bias"] = torch.tensor(-1e4, dtype=torch.float64)
    write_safetensors(os.path.join(out, "model.safetensors"), stored, {"format": "pt"})

    ids, targets = tiny_inputs(config, g)
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    logits = gpt2_forward(leaves, config, ids)
    loss = lm_loss(logits, targets)
    loss.backward()
    prompt = torch.randint(0, config["vocab_size"], (1, 4), generator=g)
    golden = {
        "ids": ids,
        "targets": targets,
        "logits": logits.detach(),
        "loss": loss.detach().reshape(1),
        "greedy_prompt": prompt,
        "greedy_tokens": greedy(params, config, prompt, 8),
    }
    for k, v in leaves.items():
        golden[f"grad.{k}"] = v.grad
    write_safetensors(os.path.join(out, "golden.safetensors"), golden, {"format": "pt"})
    print(f"gpt2-tiny: loss {loss.item():.12f}, greedy {golden['greedy_tokens'].tolist()}")


def write_half(dtype, name):
    g = torch.Generator().manual_seed(7)
    config = HALF
    params = random_params(config, g)
    stored = {k: v.to(dtype) for k, v in params.items()}
    rounded = {k: v.to(torch.float64) for k, v in stored.items()}
    out = os.path.join(FIXTURES, name)
    write_json(os.path.join(out, "config.json"), hf_config(config, str(dtype).replace("torch.", "")))
    write_safetensors(os.path.join(out, "model.safetensors"), stored, {"format": "pt"})
    ids = torch.randint(0, config["vocab_size"], (1, 6), generator=g)
    with torch.no_grad():
        logits = gpt2_forward(rounded, config, ids)
    write_safetensors(os.path.join(out, "golden.safetensors"), {"ids": ids, "logits": logits}, {"format": "pt"})
    print(f"{name}: logits[0,0,:3] {logits[0, 0, :3].tolist()}")


def main():
    torch.set_default_dtype(torch.float64)
    write_tiny()
    write_half(torch.float16, "gpt2-half-f16")
    write_half(torch.bfloat16, "gpt2-half-bf16")
    return 0


if __name__ == "__main__":
    sys.exit(main())
