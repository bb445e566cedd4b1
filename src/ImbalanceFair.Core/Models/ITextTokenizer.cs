using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Models;

/// <summary>What the classifier needs of a tokenizer: prompts to [texts, context] int64 ids the text tower pools.</summary>
public interface ITextTokenizer
{
    int ContextLength { get; }

    Tensor EncodeBatch(IReadOnlyList<string> texts, Device? device = null);
}
