using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Training;

public static class Evaluation
{
    /// <summary>
    /// Predicts [N, C, H, W] uint8 images (on the classifier's device) in batches, without gradients: the predicted class,
    /// its softmax confidence, and the alignment of each image with its true class prompt (cosine) and the margin over
    /// the best other class (DESIGN §7).
    /// </summary>
    public static Predictions Predict(ClipClassifier classifier, Tensor images, Tensor labels, int batchSize = 512)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        var n = (int)images.size(0);
        var predicted = new long[n];
        var confidence = new float[n];
        var alignment = new float[n];
        var margin = new float[n];
        classifier.Train(false);
        using var noGrad = torch.no_grad();
        using var outer = torch.NewDisposeScope();
        var text = classifier.ClassTextEmbeddings();
        for (var start = 0; start < n; start += batchSize)
        {
            using var scope = torch.NewDisposeScope();
            var len = Math.Min(batchSize, n - start);
            var x = images.narrow(0, start, len).to(ScalarType.Float32) / 255.0;
            var y = labels.narrow(0, start, len).to(classifier.Device);
            var logits = classifier.Logits(x);
            var (conf, pred) = nn.functional.softmax(logits, -1).max(-1);
            var cos = classifier.ImageEmbeddings(x).matmul(text.t());
            var trueCos = cos.gather(1, y.unsqueeze(1)).squeeze(1);
            var others = cos.scatter(1, y.unsqueeze(1), torch.full([len, 1], -2.0, device: cos.device));
            var (bestOther, _) = others.max(1);
            pred.to(Device.CPU).CopyTo<long>(predicted.AsSpan(start, len));
            conf.to(Device.CPU).CopyTo<float>(confidence.AsSpan(start, len));
            trueCos.to(Device.CPU).CopyTo<float>(alignment.AsSpan(start, len));
            (trueCos - bestOther).to(Device.CPU).CopyTo<float>(margin.AsSpan(start, len));
        }

        return new Predictions(labels.to(Device.CPU).ToArray<long>(), predicted, confidence, alignment, margin);
    }
}
