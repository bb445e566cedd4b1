namespace ImbalanceFair.Torch;

public static partial class optim
{
    /// <summary>
    /// torch.optim.AdamW (Loshchilov &amp; Hutter): Adam with decoupled weight decay, PyTorch's algorithm step
    /// for step. Per parameter, with t its own step count:
    /// <code>
    /// p  *= 1 - lr·wd
    /// m   = lerp(m, g, 1 - β1)                 (exp_avg)
    /// v   = β2·v + (1 - β2)·g²                 (exp_avg_sq)
    /// p  -= lr / (1 - β1^t) · m / (√v / √(1 - β2^t) + eps)
    /// </code>
    /// </summary>
    public sealed class AdamW : Optimizer
    {
        private const string ExpAvg = "exp_avg";
        private const string ExpAvgSq = "exp_avg_sq";
        private static readonly string[] s_stateNames = [ExpAvg, ExpAvgSq];

        public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 1e-2)
            : base(parameters, lr)
        {
            CheckRange(beta1, nameof(beta1), 0, 1);
            CheckRange(beta2, nameof(beta2), 0, 1);
            if (!(eps >= 0))
            {
                throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be >= 0");
            }

            if (!(weight_decay >= 0))
            {
                throw new ArgumentOutOfRangeException(nameof(weight_decay), weight_decay, "weight_decay must be >= 0");
            }

            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.weight_decay = weight_decay;
        }

        public double beta1 { get; }

        public double beta2 { get; }

        public double eps { get; }

        public double weight_decay { get; }

        protected override IReadOnlyList<string> StateNames => s_stateNames;

        protected override void Update(Tensor param, Tensor grad, ParamState state)
        {
            if (weight_decay != 0)
            {
                param.mul_(1 - lr * weight_decay);
            }

            if (!state.TryGet(ExpAvg, out var expAvg))
            {
                expAvg = state.Add(ExpAvg, torch.zeros_like(param));
            }

            if (!state.TryGet(ExpAvgSq, out var expAvgSq))
            {
                expAvgSq = state.Add(ExpAvgSq, torch.zeros_like(param));
            }

            expAvg.lerp_(grad, 1 - beta1);
            expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);

            var biasCorrection1 = 1 - Math.Pow(beta1, state.Step);
            var biasCorrection2 = 1 - Math.Pow(beta2, state.Step);
            var denom = expAvgSq.sqrt().div_(Math.Sqrt(biasCorrection2)).add_(eps);
            param.addcdiv_(expAvg, denom, -lr / biasCorrection1);
        }
    }

    internal static void CheckRange(double value, string name, double low, double highExclusive)
    {
        if (!(value >= low && value < highExclusive))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [{low}, {highExclusive})");
        }
    }
}
