using System.Globalization;

namespace ImbalanceFair.Torch;

/// <summary>torch.optim: optimizers and learning-rate schedules, managed code over the bridge's in-place ops.</summary>
public static partial class optim
{
    /// <summary>
    /// The common base of the optimizers: one parameter group, a learning rate that schedules may change
    /// between steps, and per-parameter state (a step count and named buffers such as <c>exp_avg</c>) that
    /// <see cref="state_dict"/> and <see cref="load_state_dict"/> save and restore for checkpoints.
    /// The optimizer does not own the parameters; it owns its state buffers and disposes them with itself.
    /// </summary>
    public abstract class Optimizer : IDisposable
    {
        private const string StepCountKey = "step_count";
        private const string LrKey = "lr";
        private const string StatePrefix = "state.";
        private const string StepKey = "step";

        private readonly Tensor[] _parameters;
        private readonly ParamState?[] _state;
        private double _lr;
        private bool _disposed;

        protected Optimizer(IEnumerable<Tensor> parameters, double lr)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            _parameters = parameters.ToArray();
            if (_parameters.Length == 0)
            {
                throw new ArgumentException("optimizer got an empty parameter list", nameof(parameters));
            }

            if (_parameters.Distinct(ReferenceEqualityComparer.Instance).Count() != _parameters.Length)
            {
                throw new ArgumentException("some parameters appear more than once", nameof(parameters));
            }

            _state = new ParamState?[_parameters.Length];
            this.lr = lr;
            initial_lr = lr;
        }

        /// <summary>The learning rate the optimizer was created with: the base that schedules scale (PyTorch's initial_lr).</summary>
        public double initial_lr { get; }

        /// <summary>The parameters this optimizer updates, in the order given (the indices of <see cref="state_dict"/>).</summary>
        public IReadOnlyList<Tensor> Parameters => _parameters;

        /// <summary>The learning rate of the next step (param_groups[0]["lr"]); schedules set it.</summary>
        public double lr
        {
            get => _lr;
            set
            {
                if (!(value >= 0) || double.IsInfinity(value))
                {
                    throw new ArgumentOutOfRangeException(nameof(value), value, "the learning rate must be finite and >= 0");
                }

                _lr = value;
            }
        }

        /// <summary>How many times <see cref="step"/> has run (restored by <see cref="load_state_dict"/>).</summary>
        public long StepCount { get; private set; }

        /// <summary>The names of the per-parameter buffers this optimizer keeps, e.g. exp_avg and exp_avg_sq.</summary>
        protected abstract IReadOnlyList<string> StateNames { get; }

        /// <summary>Clears the gradients of every parameter (to None by default, as PyTorch 2.x).</summary>
        public void zero_grad(bool setToNone = true)
        {
            ThrowIfDisposed();
            foreach (var p in _parameters)
            {
                p.zero_grad(setToNone);
            }
        }

        /// <summary>
        /// One update of every parameter that has a gradient (the others are skipped and keep their state).
        /// Runs without gradient recording and inside its own dispose scope: it leaves no tensor behind but
        /// the state buffers it creates on the first step.
        /// </summary>
        public void step()
        {
            ThrowIfDisposed();
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            for (var i = 0; i < _parameters.Length; i++)
            {
                var p = _parameters[i];
                var g = p.grad;
                if (g is null)
                {
                    continue;
                }

                var state = _state[i] ??= new ParamState();
                state.Step++;
                Update(p, g, state);
            }

            StepCount++;
        }

        /// <summary>Updates one parameter in place from its gradient; <paramref name="state"/>.Step is already this step's number (1-based).</summary>
        protected abstract void Update(Tensor param, Tensor grad, ParamState state);

        /// <summary>
        /// The optimizer state as named tensors, for checkpoints: <c>step_count</c> (int64 scalar), <c>lr</c>
        /// (float64 scalar) and, for each parameter index i that has state, <c>state.i.step</c> (int64 scalar)
        /// and <c>state.i.NAME</c> for each buffer (exp_avg, exp_avg_sq, momentum_buffer). The tensors are
        /// copies owned by the caller: dispose them, or call this inside a dispose scope.
        /// </summary>
        public Dictionary<string, Tensor> state_dict()
        {
            ThrowIfDisposed();
            var dict = new Dictionary<string, Tensor>(StringComparer.Ordinal)
            {
                [StepCountKey] = torch.full([], StepCount, ScalarType.Int64),
                [LrKey] = torch.full([], _lr, ScalarType.Float64),
            };
            using var noGrad = torch.no_grad();
            for (var i = 0; i < _state.Length; i++)
            {
                if (_state[i] is not { } s)
                {
                    continue;
                }

                var prefix = StatePrefix + i.ToString(CultureInfo.InvariantCulture) + ".";
                dict[prefix + StepKey] = torch.full([], s.Step, ScalarType.Int64);
                foreach (var (name, buffer) in s.Buffers)
                {
                    dict[prefix + name] = buffer.detach().clone();
                }
            }

            return dict;
        }

        /// <summary>
        /// Restores state saved by <see cref="state_dict"/> (values are copied: the source stays the caller's).
        /// Unknown keys, indices beyond the parameter list, incomplete per-parameter state and shape
        /// mismatches are errors, and nothing changes unless every check passes. Parameters without saved
        /// state start fresh.
        /// </summary>
        public void load_state_dict(IReadOnlyDictionary<string, Tensor> source)
        {
            ArgumentNullException.ThrowIfNull(source);
            ThrowIfDisposed();
            var problems = new List<string>();
            var perParam = new Dictionary<int, Dictionary<string, Tensor>>();
            foreach (var (key, value) in source)
            {
                if (key is StepCountKey or LrKey)
                {
                    if (value.numel() != 1)
                    {
                        problems.Add($"{key} must hold one value, not {value.numel()}");
                    }

                    continue;
                }

                if (!TryParseStateKey(key, out var index, out var name))
                {
                    problems.Add($"unexpected key '{key}'");
                    continue;
                }

                if (index >= _parameters.Length)
                {
                    problems.Add($"'{key}' refers to parameter {index}, but the optimizer has {_parameters.Length}");
                    continue;
                }

                if (name != StepKey && !StateNames.Contains(name))
                {
                    problems.Add($"unexpected key '{key}' ({GetType().Name} keeps {string.Join(", ", StateNames.Prepend(StepKey))})");
                    continue;
                }

                if (name == StepKey ? value.numel() != 1 : !value.shape.SequenceEqual(_parameters[index].shape))
                {
                    var want = name == StepKey ? "[]" : $"[{string.Join(", ", _parameters[index].shape)}]";
                    problems.Add($"size mismatch for '{key}': the checkpoint has [{string.Join(", ", value.shape)}], the optimizer needs {want}");
                    continue;
                }

                if (!perParam.TryGetValue(index, out var entries))
                {
                    perParam[index] = entries = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                }

                entries[name] = value;
            }

            foreach (var (index, entries) in perParam.OrderBy(e => e.Key))
            {
                var missing = StateNames.Prepend(StepKey).Where(n => !entries.ContainsKey(n)).ToList();
                if (missing.Count > 0)
                {
                    problems.Add($"incomplete state for parameter {index}: missing {string.Join(", ", missing)}");
                }
            }

            if (problems.Count > 0)
            {
                throw new InvalidOperationException($"Error(s) in loading state_dict for {GetType().Name}: {string.Join("; ", problems)}");
            }

            using var noGrad = torch.no_grad();
            var fresh = new ParamState?[_parameters.Length];
            try
            {
                foreach (var (index, entries) in perParam)
                {
                    var s = fresh[index] = new ParamState { Step = ReadLong(entries[StepKey]) };
                    foreach (var name in StateNames)
                    {
                        // A copy with the parameter's dtype, device and layout, so later in-place updates never touch the source.
                        var buffer = torch.zeros_like(_parameters[index]).DetachFromDisposeScope();
                        s.Buffers[name] = buffer;
                        buffer.copy_(entries[name]);
                    }
                }
            }
            catch
            {
                foreach (var s in fresh)
                {
                    s?.Dispose();
                }

                throw;
            }

            for (var i = 0; i < _state.Length; i++)
            {
                _state[i]?.Dispose();
                _state[i] = fresh[i];
            }

            if (source.TryGetValue(StepCountKey, out var stepCount))
            {
                StepCount = ReadLong(stepCount);
            }

            if (source.TryGetValue(LrKey, out var lrValue))
            {
                lr = lrValue.item();
            }
        }

        /// <summary>The same as <see cref="state_dict"/>.</summary>
        public Dictionary<string, Tensor> StateDict() => state_dict();

        /// <summary>The same as <see cref="load_state_dict"/>.</summary>
        public void LoadStateDict(IReadOnlyDictionary<string, Tensor> source) => load_state_dict(source);

        private static long ReadLong(Tensor t) => t.dtype.IsFloatingPoint() ? checked((long)Math.Round(t.item())) : t.itemLong();

        private static bool TryParseStateKey(string key, out int index, out string name)
        {
            index = -1;
            name = string.Empty;
            if (!key.StartsWith(StatePrefix, StringComparison.Ordinal))
            {
                return false;
            }

            var rest = key.AsSpan(StatePrefix.Length);
            var dot = rest.IndexOf('.');
            if (dot <= 0 || !int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out index))
            {
                return false;
            }

            name = rest[(dot + 1)..].ToString();
            return name.Length > 0;
        }

        protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

        protected virtual void Dispose(bool disposing)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (disposing)
            {
                foreach (var s in _state)
                {
                    s?.Dispose();
                }
            }
        }

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>The state of one parameter: its own step count and named buffers (owned by the optimizer).</summary>
        protected sealed class ParamState : IDisposable
        {
            public long Step { get; set; }

            public Dictionary<string, Tensor> Buffers { get; } = new(StringComparer.Ordinal);

            /// <summary>Keeps <paramref name="buffer"/> as the state <paramref name="name"/>, taking it out of every dispose scope.</summary>
            public Tensor Add(string name, Tensor buffer)
            {
                ArgumentNullException.ThrowIfNull(buffer);
                Buffers.Add(name, buffer.DetachFromDisposeScope());
                return buffer;
            }

            public bool TryGet(string name, out Tensor buffer) => Buffers.TryGetValue(name, out buffer!);

            public void Dispose()
            {
                foreach (var b in Buffers.Values)
                {
                    b.Dispose();
                }

                Buffers.Clear();
            }
        }
    }
}
