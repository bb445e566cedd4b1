using ImbalanceFair.Core.Config;
using static ImbalanceFair.Core.Config.ConfigNode;

namespace ImbalanceFair.Core.Models;

/// <summary>The <c>model</c> keys of the run config (DESIGN §5).</summary>
public sealed record ModelConfig
{
    public string Arch { get; init; } = "tiny-clip";

    /// <summary>scratch | pretrained | a path to a .safetensors state dict.</summary>
    public string Init { get; init; } = "scratch";

    public static ModelConfig Read(YamlObject? y)
    {
        var d = new ModelConfig();
        if (y is null)
        {
            return d;
        }

        y.Allow("arch", "init");
        return new ModelConfig { Arch = ConfigValues.Choice(y, "arch", d.Arch, ClipPresets.Names), Init = y.GetString("init") ?? d.Init };
    }

    public ConfigNode Write() => M("model", S("arch", Str(Arch)), S("init", Str(Init)));
}
