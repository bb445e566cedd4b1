using ImbalanceFair.Tests.Shared;
using System.Globalization;
using ImbalanceFair.Core.Tests.Support;

namespace ImbalanceFair.Core.Tests.Data.Images;

/// <summary>
/// PNG and JPEG files written once per test run by PIL (and by a hand-written PNG writer in Python that uses
/// every row filter), each with the planar uint8 array PIL decodes it to (<c>name.raw</c>, [c, h, w] as listed
/// in <c>cases.txt</c>): the reference our decoders are compared with.
/// </summary>
public sealed class PilImages : IDisposable
{
    private const string Script = """
        import os, struct, sys, warnings, zlib
        import numpy as np
        from PIL import Image

        warnings.simplefilter("ignore")
        out = sys.argv[1]
        rng = np.random.default_rng(7)
        cases = []

        def chunk(kind, data):
            return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)

        def paeth(a, b, c):
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            return a if pa <= pb and pa <= pc else (b if pb <= pc else c)

        def filt(f, row, prev, bpp):
            res = bytearray(len(row))
            for i in range(len(row)):
                a = row[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][f]
                res[i] = (row[i] - pred) & 0xff
            return res

        def pack(values, depth):
            per = 8 // depth
            out_row = bytearray((len(values) + per - 1) // per)
            for x, v in enumerate(values):
                out_row[x // per] |= int(v) << (8 - depth * (x % per + 1))
            return bytes(out_row)

        def write_png(name, samples, depth, ctype, palette=None, extra=b'', idat_parts=3):
            # samples: [h, w, s] uint8 (unpacked); rows use filters 0..4 in turn.
            h, w, s = samples.shape
            rows = [pack(samples[y, :, 0], depth) if depth < 8 else samples[y].tobytes() for y in range(h)]
            bpp = max(1, depth * s // 8)
            raw = bytearray()
            prev = bytes(len(rows[0]))
            for y, row in enumerate(rows):
                f = y % 5
                raw.append(f)
                raw += filt(f, row, prev, bpp)
                prev = row
            z = zlib.compress(bytes(raw), 9)
            cut = [len(z) * i // idat_parts for i in range(idat_parts + 1)]
            png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, ctype, 0, 0, 0))
            png += chunk(b'tEXt', b'Comment\x00hand-written') + extra
            if palette is not None:
                png += chunk(b'PLTE', palette.tobytes())
            for i in range(idat_parts):
                png += chunk(b'IDAT', z[cut[i]:cut[i + 1]])
            png += chunk(b'IEND', b'')
            with open(os.path.join(out, name + '.png'), 'wb') as f:
                f.write(png)
            expect(name + '.png', 'L' if ctype in (0, 4) else 'RGB')

        def expect(file, mode):
            arr = np.asarray(Image.open(os.path.join(out, file)).convert(mode))
            chw = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
            name = os.path.splitext(file)[0]
            with open(os.path.join(out, name + '.raw'), 'wb') as f:
                f.write(np.ascontiguousarray(chw).tobytes())
            cases.append(f'{file} {chw.shape[0]} {chw.shape[1]} {chw.shape[2]}')

        H, W = 13, 11
        rand = lambda s, hi=256: rng.integers(0, hi, size=(H, W, s), dtype=np.uint8)
        write_png('hand_grey8', rand(1), 8, 0, extra=chunk(b'tRNS', b'\x00\x07'))
        write_png('hand_grey1', rand(1, 2), 1, 0)
        write_png('hand_grey2', rand(1, 4), 2, 0)
        write_png('hand_grey4', rand(1, 16), 4, 0)
        write_png('hand_rgb', rand(3), 8, 2, idat_parts=1)
        write_png('hand_grey_alpha', rand(2), 8, 4)
        write_png('hand_rgba', rand(4), 8, 6)
        write_png('hand_palette8', rand(1, 200), 8, 3, palette=rng.integers(0, 256, (200, 3), dtype=np.uint8),
                  extra=chunk(b'tRNS', bytes(range(0, 250, 5))))
        write_png('hand_palette4', rand(1, 16), 4, 3, palette=rng.integers(0, 256, (16, 3), dtype=np.uint8))
        write_png('hand_palette2', rand(1, 3), 2, 3, palette=rng.integers(0, 256, (3, 3), dtype=np.uint8))
        write_png('hand_palette1', rand(1, 2), 1, 3, palette=rng.integers(0, 256, (2, 3), dtype=np.uint8))

        # PIL's own writer (adaptive row filters, several compression settings) on smooth images with noise.
        y, x = np.mgrid[0:37, 0:29]
        smooth = np.stack([(x * 7 + y * 3) % 256, (y * 6) % 256, (x * y) % 256], -1).astype(np.int32)
        smooth = np.clip(smooth + rng.integers(-12, 13, smooth.shape), 0, 255).astype(np.uint8)
        rgb = Image.fromarray(smooth, 'RGB')
        rgb.convert('L').save(os.path.join(out, 'pil_grey.png')); expect('pil_grey.png', 'L')
        rgb.save(os.path.join(out, 'pil_rgb_opt.png'), optimize=True); expect('pil_rgb_opt.png', 'RGB')
        rgb.save(os.path.join(out, 'pil_rgb_c0.png'), compress_level=0); expect('pil_rgb_c0.png', 'RGB')
        rgb.save(os.path.join(out, 'pil_rgb_c9.png'), compress_level=9); expect('pil_rgb_c9.png', 'RGB')
        rgba = rgb.copy(); rgba.putalpha(Image.fromarray(smooth[:, :, 1]))
        rgba.save(os.path.join(out, 'pil_rgba.png')); expect('pil_rgba.png', 'RGB')
        la = rgb.convert('L'); la.putalpha(Image.fromarray(smooth[:, :, 2]))
        la.save(os.path.join(out, 'pil_grey_alpha.png')); expect('pil_grey_alpha.png', 'L')
        rgb.quantize(200).save(os.path.join(out, 'pil_palette.png'), optimize=True); expect('pil_palette.png', 'RGB')
        rgb.quantize(16).save(os.path.join(out, 'pil_palette4.png'), bits=4); expect('pil_palette4.png', 'RGB')
        rgb.quantize(64).save(os.path.join(out, 'pil_palette_trns.png'), transparency=3); expect('pil_palette_trns.png', 'RGB')
        rgb.convert('1').save(os.path.join(out, 'pil_bilevel.png')); expect('pil_bilevel.png', 'L')

        # JPEG: the same libjpeg-turbo decodes on both sides.
        big = np.asarray(rgb.resize((45, 38), Image.BILINEAR))
        Image.fromarray(big).save(os.path.join(out, 'jpeg_420.jpg'), quality=90); expect('jpeg_420.jpg', 'RGB')
        Image.fromarray(big).save(os.path.join(out, 'jpeg_444.jpg'), quality=95, subsampling=0); expect('jpeg_444.jpg', 'RGB')
        Image.fromarray(big).save(os.path.join(out, 'jpeg_progressive.jpg'), quality=80, progressive=True); expect('jpeg_progressive.jpg', 'RGB')
        Image.fromarray(big).convert('L').save(os.path.join(out, 'jpeg_grey.jpg'), quality=90); expect('jpeg_grey.jpg', 'L')

        with open(os.path.join(out, 'cases.txt'), 'w') as f:
            f.write('\n'.join(cases) + '\n')
        """;

    private readonly TempDir _dir = new();

    public PilImages()
    {
        Python.Run(Script, _dir.Path);
        Cases = File.ReadAllLines(_dir.File("cases.txt")).Where(l => l.Length > 0).Select(l => l.Split(' ')).ToDictionary(
            p => p[0], p => (int.Parse(p[1], CultureInfo.InvariantCulture), int.Parse(p[2], CultureInfo.InvariantCulture), int.Parse(p[3], CultureInfo.InvariantCulture)),
            StringComparer.Ordinal);
    }

    public string Dir => _dir.Path;

    /// <summary>File name → the [channels, height, width] PIL decodes it to.</summary>
    public IReadOnlyDictionary<string, (int c, int h, int w)> Cases { get; }

    public string Path(string file) => _dir.File(file);

    /// <summary>What PIL decodes <paramref name="file"/> to, planar.</summary>
    public byte[] Expected(string file) => File.ReadAllBytes(_dir.File(System.IO.Path.ChangeExtension(file, ".raw")));

    public void Dispose() => _dir.Dispose();
}

[CollectionDefinition(Name)]
public sealed class PilImagesCollection : ICollectionFixture<PilImages>
{
    public const string Name = "PIL-written images";
}
