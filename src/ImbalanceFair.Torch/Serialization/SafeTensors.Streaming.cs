using ImbalanceFair.Torch.Interop;
using Microsoft.Win32.SafeHandles;

namespace ImbalanceFair.Torch.Serialization;

public static partial class SafeTensors
{
    /// <summary>
    /// Reads the named tensors of a file straight into existing tensors (a model's parameters), one at a time, so
    /// a checkpoint never exists twice in memory: a CPU contiguous target of the file's dtype receives the bytes
    /// directly; any other (a CUDA parameter, an F16 file into F32) goes through one temporary tensor of that size.
    /// Every shape is checked against the header before anything is read. Names of the file not in
    /// <paramref name="targets"/> are skipped; targets the file lacks are an <see cref="ArgumentException"/>.
    /// </summary>
    public static void ReadInto(string path, SafeTensorsHeader header, IReadOnlyDictionary<string, Tensor> targets)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(targets);
        CheckHost();
        foreach (var (name, target) in targets)
        {
            var info = header.TryGetTensor(name, out var i) ? i : throw new ArgumentException($"{path} holds no tensor '{name}'", nameof(targets));
            if (!info.Shape.SequenceEqual(target.shape))
            {
                throw new ArgumentException(
                    $"{path}: tensor '{name}' is {Describe(info.Shape)} {info.DTypeName}, the model expects {Describe(target.shape)}", nameof(targets));
            }
        }

        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (RandomAccess.GetLength(file) != header.DataOffset + header.DataLength)
        {
            throw new SafeTensorsFormatException(path, "the file changed length since its header was read");
        }

        using var noGrad = torch.no_grad();
        foreach (var (name, target) in targets)
        {
            var info = header[name];
            if (target.device.Type == DeviceType.CPU && target.dtype == info.DType && target.is_contiguous())
            {
                ReadData(file, header, info, target);
            }
            else
            {
                using var staging = torch.empty([.. info.Shape], info.DType).DetachFromDisposeScope();
                ReadData(file, header, info, staging);
                target.copy_(staging);
            }
        }
    }

    private static unsafe void ReadData(SafeFileHandle file, SafeTensorsHeader header, SafeTensorInfo info, Tensor destination)
    {
        if (info.ByteLength == 0)
        {
            return;
        }

        void* data;
        Native.Check(Native.imbf_host_data_ptr(destination.Handle, &data));
        for (long done = 0; done < info.ByteLength;)
        {
            var n = (int)Math.Min(IoChunkBytes, info.ByteLength - done);
            ReadExactly(file, new Span<byte>((byte*)data + done, n), header.DataOffset + info.Begin + done, header.Path);
            done += n;
        }
    }
}
