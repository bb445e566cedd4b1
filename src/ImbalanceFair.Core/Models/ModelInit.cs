using ImbalanceFair.Core.Config;
using ImbalanceFair.Torch.Serialization;

namespace ImbalanceFair.Core.Models;

/// <summary>
/// How <c>model.init</c> starts the weights: scratch | pretrained | a path to a .safetensors state dict for a preset;
/// checkpoint (the directory's weights, the default) | scratch for a Hugging Face CLIP directory.
/// </summary>
public static class ModelInit
{
    public const string Scratch = "scratch";
    public const string Pretrained = "pretrained";
    public const string Checkpoint = "checkpoint";

    public static bool IsPath(string init) => init is not (Scratch or Pretrained or Checkpoint);

    /// <summary>
    /// Loads a checkpoint by Hugging Face CLIPModel names into a model of matching sizes. A missing file, a missing or
    /// unexpected key, or a shape mismatch is a config error naming the file and the keys.
    /// </summary>
    public static void LoadFile(ClipModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!File.Exists(path))
        {
            throw new ConfigException($"model.init: '{path}' is neither scratch, pretrained nor an existing .safetensors file");
        }

        try
        {
            SafeTensors.LoadStateDict(model, path);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigException($"model.init: {path} does not fit model.arch {model.Config.ImageTower} of this size: {e.Message}", e);
        }
    }
}
