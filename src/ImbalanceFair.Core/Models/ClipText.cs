using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Models;

/// <summary>HF CLIPTextEmbeddings: token + learned position embeddings.</summary>
public sealed class ClipTextEmbeddings : nn.Module
{
    public ClipTextEmbeddings(ClipConfig c)
    {
        token_embedding = RegisterModule("token_embedding", new nn.Embedding(c.VocabSize, c.TextWidth));
        position_embedding = RegisterModule("position_embedding", new nn.Embedding(c.ContextLength, c.TextWidth));
        using var noGrad = torch.no_grad();
        token_embedding.weight.normal_(0, 0.02);
        position_embedding.weight.normal_(0, 0.02);
    }

    public nn.Embedding token_embedding { get; }

    public nn.Embedding position_embedding { get; }

    public Tensor forward(Tensor ids)
    {
        using var scope = torch.NewDisposeScope();
        var positions = position_embedding.weight.narrow(0, 0, ids.size(1)).unsqueeze(0);
        return (token_embedding.forward(ids) + positions).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// HF CLIPTextTransformer: causal encoder, final_layer_norm, pooled at the end-of-text token: the largest id for the
/// legacy eos_token_id 2, else the first eos_token_id of each row (HF's rule).
/// </summary>
public sealed class ClipTextTransformer : nn.Module
{
    private readonly int _eos;

    public ClipTextTransformer(ClipConfig c)
    {
        _eos = c.EosTokenId;
        embeddings = RegisterModule("embeddings", new ClipTextEmbeddings(c));
        encoder = RegisterModule("encoder", new ClipEncoder(c.TextWidth, c.TextHeads, c.TextMlp, c.TextLayers, c.LayerNormEps, c.TextHiddenAct));
        final_layer_norm = RegisterModule("final_layer_norm", new nn.LayerNorm(c.TextWidth, c.LayerNormEps));
    }

    public ClipTextEmbeddings embeddings { get; }

    public ClipEncoder encoder { get; }

    public nn.LayerNorm final_layer_norm { get; }

    /// <summary>[N, L] token ids → [N, width] pooled at each row's end-of-text token.</summary>
    public Tensor forward(Tensor ids)
    {
        using var scope = torch.NewDisposeScope();
        var h = final_layer_norm.forward(encoder.forward(embeddings.forward(ids), causal: true));
        var eot = _eos == 2 ? ids.argmax(-1) : ids.eq(_eos).to(ScalarType.Int32).argmax(-1);
        var rows = torch.arange(ids.size(0), device: ids.device);
        return h.index(rows, eot).MoveToOuterDisposeScope();
    }
}
