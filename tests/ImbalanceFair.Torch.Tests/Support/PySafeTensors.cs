namespace ImbalanceFair.Torch.Tests.Support;

/// <summary>
/// A safetensors reader and writer in plain Python (struct + json + torch.frombuffer): Debian has no
/// safetensors package, and an independent implementation is the better check anyway. Prepend
/// <see cref="Prelude"/> to a script that calls <c>st_load(path)</c> / <c>st_save(path, tensors, metadata)</c>.
/// </summary>
public static class PySafeTensors
{
    public const string Prelude = """
        import json, struct, sys
        import torch

        torch.set_num_threads(1)

        ST_DTYPES = {
            "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
            "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
            "U8": torch.uint8, "BOOL": torch.bool,
        }
        ST_NAMES = {v: k for k, v in ST_DTYPES.items()}

        def st_load(path):
            with open(path, "rb") as f:
                data = f.read()
            (n,) = struct.unpack("<Q", data[:8])
            header = json.loads(data[8:8 + n].decode("utf-8"))
            metadata = header.pop("__metadata__", None) or {}
            buf = data[8 + n:]
            out = {}
            for name, info in header.items():
                begin, end = info["data_offsets"]
                dtype = ST_DTYPES[info["dtype"]]
                if end > begin:
                    t = torch.frombuffer(bytearray(buf[begin:end]), dtype=dtype).reshape(info["shape"]).clone()
                else:
                    t = torch.empty(info["shape"], dtype=dtype)
                out[name] = t
            return out, metadata

        def st_bytes(t):
            t = t.detach().cpu().contiguous()
            if t.dtype in (torch.float16, torch.bfloat16):
                t = t.view(torch.int16)
            return t.numpy().tobytes()

        def st_save(path, tensors, metadata=None, order=None):
            header = {}
            if metadata:
                header["__metadata__"] = metadata
            chunks = []
            offset = 0
            for name in (order or sorted(tensors)):
                t = tensors[name]
                b = st_bytes(t)
                header[name] = {"dtype": ST_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
                chunks.append(b)
                offset += len(b)
            h = json.dumps(header).encode("utf-8")
            h += b" " * ((8 - len(h) % 8) % 8)
            with open(path, "wb") as f:
                f.write(struct.pack("<Q", len(h)))
                f.write(h)
                for c in chunks:
                    f.write(c)

        def st_describe(tensors):
            return {k: {"dtype": ST_NAMES[v.dtype], "shape": list(v.shape), "hex": st_bytes(v).hex()} for k, v in tensors.items()}

        """;
}
