using System.Globalization;

namespace ImbalanceFair.Core.Data.Images;

/// <summary>
/// The largest image the decoders accept, checked against the header before any pixel memory is taken: a crafted or
/// damaged header cannot ask for gigabytes. 64 megapixels (8192 × 8192) unless <c>IMBFAIR_MAX_IMAGE_PIXELS</c> says
/// otherwise; the datasets imbfair trains on are far smaller, and are resized to the dataset's size anyway.
/// </summary>
public static class ImageLimits
{
    public const string Variable = "IMBFAIR_MAX_IMAGE_PIXELS";
    public const long DefaultMaxPixels = 8192L * 8192;

    public static long MaxPixels
    {
        get
        {
            var text = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrWhiteSpace(text))
            {
                return DefaultMaxPixels;
            }

            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
                ? n
                : throw new Config.ConfigException($"{Variable}='{text}' is not a positive whole number of pixels; unset it (default {DefaultMaxPixels}) or set e.g. {Variable}=100000000");
        }
    }

    /// <summary>Throws a <see cref="DataFormatException"/> naming the file, the size and the setting when the image is over the cap.</summary>
    public static void Check(string file, long width, long height) => Check(file, width, height, MaxPixels);

    public static void Check(string file, long width, long height, long max)
    {
        if (width * height > max)
        {
            throw DataFormatException.For(file,
                $"the image is {width}x{height} = {width * height} pixels, more than the {max} allowed (a damaged header, or a very large image: set {Variable} higher to read it)");
        }
    }
}
