namespace ImbalanceFair.Torch;

public static partial class nn
{
    /// <summary>torch.nn.GroupNorm over [N, C, ...]: affine weight 1 and bias 0 per channel.</summary>
    public sealed class GroupNorm : Module<Tensor, Tensor>
    {
        private readonly long _groups;
        private readonly double _eps;

        public GroupNorm(long numGroups, long numChannels, double eps = 1e-5, Device? device = null)
        {
            if (numGroups <= 0 || numChannels % numGroups != 0)
            {
                throw new ArgumentException($"num_channels {numChannels} must be divisible by num_groups {numGroups}", nameof(numGroups));
            }

            _groups = numGroups;
            _eps = eps;
            weight = RegisterParameter("weight", torch.ones([numChannels], device: device));
            bias = RegisterParameter("bias", torch.zeros([numChannels], device: device));
        }

        public Tensor weight { get; }

        public Tensor bias { get; }

        public override Tensor forward(Tensor input) => functional.group_norm(input, _groups, weight, bias, _eps);
    }
}
