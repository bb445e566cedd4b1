namespace ImbalanceFair.Core.Data.Images;

/// <summary>The CRC-32 of PNG chunks (ISO 3309, reflected polynomial 0xEDB88320): System.IO.Hashing's, vectorised.</summary>
internal static class Crc32
{
    public static uint Compute(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);
}
