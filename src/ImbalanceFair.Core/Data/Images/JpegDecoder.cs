using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace ImbalanceFair.Core.Data.Images;

/// <summary>
/// JPEG through the system's libjpeg-turbo (TurboJPEG 2.x API, Debian package libturbojpeg0), loaded on first
/// use with <see cref="NativeLibrary.TryLoad(string, out nint)"/>, so that a machine without it fails only when
/// a JPEG is actually read, with the command that installs it. Decoding uses libjpeg's defaults (accurate
/// integer DCT, fancy upsampling), as PIL does, so both give the same pixels. Grey JPEGs decode to 1 channel,
/// every other colour space to RGB; CMYK/YCCK JPEGs are errors.
/// </summary>
public static class JpegDecoder
{
    internal const string DefaultLibrary = "libturbojpeg.so.0";

    internal const string InstallHint = "JPEG needs libturbojpeg: sudo apt-get install libturbojpeg0";

    /// <summary>True when <paramref name="data"/> starts with the JPEG SOI marker (FF D8 FF).</summary>
    public static bool IsJpeg(ReadOnlySpan<byte> data) => data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;

    public static DecodedImage Decode(ReadOnlySpan<byte> data, string file) => Decode(data, file, DefaultLibrary);

    /// <summary>Decodes with the TurboJPEG library of the given name (tests name a missing one).</summary>
    internal static DecodedImage Decode(ReadOnlySpan<byte> data, string file, string library)
    {
        var api = TurboJpeg.Get(library) ?? throw DataFormatException.For(file, $"{InstallHint} (could not load {library})");
        return api.Decode(data, file);
    }

    private sealed unsafe class TurboJpeg
    {
        private const int PixelFormatRgb = 0; // TJPF_RGB
        private const int PixelFormatGray = 6; // TJPF_GRAY
        private const int ColourSpaceGray = 2; // TJCS_GRAY
        private const int ColourSpaceCmyk = 3; // TJCS_CMYK
        private const int ColourSpaceYcck = 4; // TJCS_YCCK
        private const int ErrorFatal = 1; // TJERR_FATAL

        private static readonly ConcurrentDictionary<string, Lazy<TurboJpeg?>> s_loaded = new(StringComparer.Ordinal);

        private readonly delegate* unmanaged[Cdecl]<nint> _initDecompress;
        private readonly delegate* unmanaged[Cdecl]<nint, byte*, CULong, int*, int*, int*, int*, int> _decompressHeader3;
        private readonly delegate* unmanaged[Cdecl]<nint, byte*, CULong, byte*, int, int, int, int, int, int> _decompress2;
        private readonly delegate* unmanaged[Cdecl]<nint, byte*> _getErrorStr2;
        private readonly delegate* unmanaged[Cdecl]<nint, int> _getErrorCode;
        private readonly delegate* unmanaged[Cdecl]<nint, int> _destroy;

        private TurboJpeg(nint lib)
        {
            _initDecompress = (delegate* unmanaged[Cdecl]<nint>)NativeLibrary.GetExport(lib, "tjInitDecompress");
            _decompressHeader3 = (delegate* unmanaged[Cdecl]<nint, byte*, CULong, int*, int*, int*, int*, int>)NativeLibrary.GetExport(lib, "tjDecompressHeader3");
            _decompress2 = (delegate* unmanaged[Cdecl]<nint, byte*, CULong, byte*, int, int, int, int, int, int>)NativeLibrary.GetExport(lib, "tjDecompress2");
            _getErrorStr2 = (delegate* unmanaged[Cdecl]<nint, byte*>)NativeLibrary.GetExport(lib, "tjGetErrorStr2");
            _getErrorCode = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(lib, "tjGetErrorCode");
            _destroy = (delegate* unmanaged[Cdecl]<nint, int>)NativeLibrary.GetExport(lib, "tjDestroy");
        }

        /// <summary>The library loaded once per name; null when it cannot be loaded or lacks the TurboJPEG 2.x entry points.</summary>
        public static TurboJpeg? Get(string library) => s_loaded.GetOrAdd(library, name => new Lazy<TurboJpeg?>(() => Load(name))).Value;

        private static TurboJpeg? Load(string name)
        {
            string[] candidates = name == DefaultLibrary
                ? [name, "libturbojpeg.so", "libturbojpeg.0.dylib", "libturbojpeg.dylib", "turbojpeg"]
                : [name];
            foreach (var candidate in candidates)
            {
                if (NativeLibrary.TryLoad(candidate, out var lib))
                {
                    try
                    {
                        return new TurboJpeg(lib);
                    }
                    catch (EntryPointNotFoundException)
                    {
                        NativeLibrary.Free(lib); // TurboJPEG 1.x: no tjGetErrorStr2 / tjGetErrorCode
                    }
                }
            }

            return null;
        }

        private string Error(nint handle) => Marshal.PtrToStringUTF8((nint)_getErrorStr2(handle)) ?? "unknown TurboJPEG error";

        public DecodedImage Decode(ReadOnlySpan<byte> data, string file)
        {
            var handle = _initDecompress();
            if (handle == 0)
            {
                throw DataFormatException.For(file, $"libturbojpeg could not start a decompressor: {Error(0)}");
            }

            try
            {
                fixed (byte* src = data)
                {
                    int width, height, subsampling, colourSpace;
                    var size = new CULong((nuint)data.Length);
                    if (_decompressHeader3(handle, src, size, &width, &height, &subsampling, &colourSpace) != 0)
                    {
                        throw DataFormatException.For(file, $"corrupt JPEG header: {Error(handle)}");
                    }

                    if (colourSpace is ColourSpaceCmyk or ColourSpaceYcck)
                    {
                        throw DataFormatException.For(file, "unsupported: a CMYK/YCCK JPEG; convert it to RGB");
                    }

                    var channels = colourSpace == ColourSpaceGray ? 1 : 3;
                    ImageLimits.Check(file, width, height);
                    if (width < 1 || height < 1 || (long)channels * width * height > Array.MaxLength)
                    {
                        throw DataFormatException.For(file, $"unsupported: JPEG size {width}x{height}");
                    }

                    var interleaved = new byte[(long)channels * width * height];
                    fixed (byte* dst = interleaved)
                    {
                        var format = channels == 1 ? PixelFormatGray : PixelFormatRgb;
                        if (_decompress2(handle, src, size, dst, width, 0, height, format, 0) != 0)
                        {
                            var message = Error(handle);
                            // Warnings (e.g. extraneous bytes before a marker) leave a complete image, as in PIL;
                            // a premature end is truncation, which PIL refuses too.
                            if (_getErrorCode(handle) == ErrorFatal || message.Contains("Premature end", StringComparison.OrdinalIgnoreCase))
                            {
                                throw DataFormatException.For(file, $"corrupt or truncated JPEG: {message}");
                            }
                        }
                    }

                    return new DecodedImage(channels, height, width, channels == 1 ? interleaved : Planar(interleaved, width * height));
                }
            }
            finally
            {
                _ = _destroy(handle);
            }
        }

        private static byte[] Planar(byte[] rgb, int plane)
        {
            var output = new byte[3 * plane];
            Span<byte> r = output.AsSpan(0, plane), g = output.AsSpan(plane, plane), b = output.AsSpan(2 * plane, plane);
            ReadOnlySpan<byte> s = rgb;
            for (var i = 0; i < r.Length; i++)
            {
                r[i] = s[3 * i];
                g[i] = s[(3 * i) + 1];
                b[i] = s[(3 * i) + 2];
            }

            return output;
        }
    }
}
