using ImbalanceFair.Core.Config;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Models;

/// <summary>The <c>model</c> keys of the run config (DESIGN §5).</summary>
public sealed record ModelConfig
{
    public string Arch { get; init; } = "tiny-clip";

    /// <summary>Presets: scratch | pretrained | a path to a .safetensors state dict; HF directories: checkpoint | scratch.</summary>
    public string Init { get; init; } = "scratch";

    public static ModelConfig Read(YamlObject? y)
    {
        var d = new ModelConfig();
        if (y is null)
        {
            return d;
        }

        y.Allow("arch", "init");
        // A path (it holds a '/') is a Hugging Face CLIP directory, whose default init is its own weights.
        var arch = y.GetString("arch") is { } a && HfClipDirectory.IsDirectoryArch(a) ? a : ConfigValues.Choice(y, "arch", d.Arch, ClipPresets.Names);
        var init = y.GetString("init") ?? (HfClipDirectory.IsDirectoryArch(arch) ? ModelInit.Checkpoint : d.Init);
        return new ModelConfig { Arch = arch, Init = init };
    }

    public ConfigNode Write() => M("model", S("arch", Str(Arch)), S("init", Str(Init)));
}
