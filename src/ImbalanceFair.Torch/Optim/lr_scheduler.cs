namespace ImbalanceFair.Torch;

public static partial class optim
{
    /// <summary>torch.optim.lr_scheduler: learning-rate schedules that set <see cref="Optimizer.lr"/> per step.</summary>
    public static class lr_scheduler
    {
        /// <summary>
        /// A schedule as a function of the step: call <see cref="step"/> after each optimizer step. The position
        /// (<see cref="last_epoch"/>, PyTorch's name; it counts optimizer steps here) is settable, so a resumed run
        /// sets it to the number of steps already taken and continues with the same learning rates.
        /// </summary>
        public abstract class LRScheduler
        {
            private long _position;

            protected LRScheduler(Optimizer optimizer)
            {
                ArgumentNullException.ThrowIfNull(optimizer);
                this.optimizer = optimizer;
                base_lr = optimizer.initial_lr;
            }

            public Optimizer optimizer { get; }

            /// <summary>
            /// The rate the schedule scales: the optimizer's <see cref="Optimizer.initial_lr"/>, so a schedule created after
            /// <see cref="Optimizer.load_state_dict"/> (which restores the scheduled rate of the saved step) still has the right base.
            /// </summary>
            public double base_lr { get; }

            /// <summary>The current position; setting it applies that step's learning rate to the optimizer.</summary>
            public long last_epoch
            {
                get => _position;
                set
                {
                    ArgumentOutOfRangeException.ThrowIfNegative(value);
                    _position = value;
                    optimizer.lr = LrAt(value);
                }
            }

            /// <summary>Advances one step and applies the new learning rate.</summary>
            public void step() => last_epoch = _position + 1;

            /// <summary>The learning rate now set on the optimizer by this schedule.</summary>
            public double get_last_lr() => LrAt(_position);

            /// <summary>The learning rate at step <paramref name="step"/> (pure: changes nothing).</summary>
            public abstract double LrAt(long step);

            /// <summary>Call at the end of a derived constructor: sets position 0, as PyTorch's schedulers do on construction.</summary>
            protected void Start() => last_epoch = 0;
        }

        /// <summary>lr = base_lr · factor(step), as torch.optim.lr_scheduler.LambdaLR.</summary>
        public sealed class LambdaLR : LRScheduler
        {
            private readonly Func<long, double> _factor;

            public LambdaLR(Optimizer optimizer, Func<long, double> factor)
                : base(optimizer)
            {
                ArgumentNullException.ThrowIfNull(factor);
                _factor = factor;
                Start();
            }

            public override double LrAt(long step) => base_lr * _factor(step);
        }

        /// <summary>
        /// Linear warm-up then cosine decay, as Hugging Face's get_cosine_schedule_with_warmup (and, with a
        /// minimum, get_cosine_with_min_lr_schedule_with_warmup):
        /// <code>
        /// step &lt; warmup:  base_lr · step / warmup
        /// after:          min_lr + (base_lr − min_lr) · ½(1 + cos(π · progress)),  progress = (step − warmup) / (total − warmup)
        /// </code>
        /// Past <c>total_steps</c> the rate stays at min_lr (Hugging Face's formula would rise again).
        /// </summary>
        public sealed class CosineWithWarmup : LRScheduler
        {
            public CosineWithWarmup(Optimizer optimizer, long warmup_steps, long total_steps, double min_lr = 0)
                : base(optimizer)
            {
                ArgumentOutOfRangeException.ThrowIfNegative(warmup_steps);
                ArgumentOutOfRangeException.ThrowIfNegative(total_steps);
                if (!(min_lr >= 0))
                {
                    throw new ArgumentOutOfRangeException(nameof(min_lr), min_lr, "min_lr must be >= 0");
                }

                this.warmup_steps = warmup_steps;
                this.total_steps = total_steps;
                this.min_lr = min_lr;
                Start();
            }

            public long warmup_steps { get; }

            public long total_steps { get; }

            public double min_lr { get; }

            public override double LrAt(long step)
            {
                if (step < warmup_steps)
                {
                    return base_lr * step / Math.Max(1, warmup_steps);
                }

                var progress = Math.Min(1.0, (double)(step - warmup_steps) / Math.Max(1, total_steps - warmup_steps));
                var cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
                return min_lr + (base_lr - min_lr) * cosine;
            }
        }

        /// <summary>Hugging Face's name for <see cref="CosineWithWarmup"/>.</summary>
        public static CosineWithWarmup get_cosine_schedule_with_warmup(Optimizer optimizer, long num_warmup_steps, long num_training_steps, double min_lr = 0) =>
            new(optimizer, num_warmup_steps, num_training_steps, min_lr);
    }
}
