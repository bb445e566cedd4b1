namespace ImbalanceFair.Torch;

public static partial class optim
{
    /// <summary>
    /// torch.optim.SGD with optional momentum, dampening, Nesterov momentum and (coupled, L2) weight decay:
    /// <code>
    /// d = g + wd·p
    /// b = d on the first step, else μ·b + (1 - dampening)·d      (momentum_buffer, when μ ≠ 0)
    /// d = d + μ·b if nesterov, else b
    /// p -= lr·d
    /// </code>
    /// </summary>
    public sealed class SGD : Optimizer
    {
        private const string MomentumBuffer = "momentum_buffer";
        private static readonly string[] s_withMomentum = [MomentumBuffer];

        public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false)
            : base(parameters, lr)
        {
            if (!(momentum >= 0))
            {
                throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "momentum must be >= 0");
            }

            if (!(weight_decay >= 0))
            {
                throw new ArgumentOutOfRangeException(nameof(weight_decay), weight_decay, "weight_decay must be >= 0");
            }

            if (nesterov && (momentum <= 0 || dampening != 0))
            {
                throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening", nameof(nesterov));
            }

            this.momentum = momentum;
            this.dampening = dampening;
            this.weight_decay = weight_decay;
            this.nesterov = nesterov;
        }

        public double momentum { get; }

        public double dampening { get; }

        public double weight_decay { get; }

        public bool nesterov { get; }

        protected override IReadOnlyList<string> StateNames => momentum != 0 ? s_withMomentum : Array.Empty<string>();

        protected override void Update(Tensor param, Tensor grad, ParamState state)
        {
            var d = weight_decay != 0 ? grad.add(param, weight_decay) : grad;
            if (momentum != 0)
            {
                var buffer = state.TryGet(MomentumBuffer, out var existing)
                    ? existing.mul_(momentum).add_(d, 1 - dampening)
                    : state.Add(MomentumBuffer, d.detach().clone());

                d = nesterov ? d.add(buffer, momentum) : buffer;
            }

            param.add_(d, -lr);
        }
    }
}
