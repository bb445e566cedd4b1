using ImbalanceFair.Torch.Interop;

namespace ImbalanceFair.Torch;

public static partial class nn
{
    /// <summary>
    /// A neural-network module: named parameters, buffers and submodules in registration order,
    /// train/eval mode and state dictionaries with PyTorch's dotted names. A module owns its tensors
    /// (they live outside any DisposeScope) and disposes them with itself.
    /// </summary>
    public abstract class Module : IDisposable
    {
        private readonly List<KeyValuePair<string, Tensor>> _parameters = [];
        private readonly List<KeyValuePair<string, Tensor>> _buffers = [];
        private readonly List<KeyValuePair<string, Module>> _modules = [];
        private bool _disposed;

        public bool training { get; private set; } = true;

        protected Tensor RegisterParameter(string name, Tensor value, bool requiresGrad = true)
        {
            ArgumentNullException.ThrowIfNull(value);
            CheckNewName(name);
            value.DetachFromDisposeScope();
            if (value.requires_grad != requiresGrad)
            {
                value.requires_grad = requiresGrad;
            }

            _parameters.Add(new(name, value));
            return value;
        }

        protected Tensor RegisterBuffer(string name, Tensor value)
        {
            ArgumentNullException.ThrowIfNull(value);
            CheckNewName(name);
            value.DetachFromDisposeScope();
            _buffers.Add(new(name, value));
            return value;
        }

        protected T RegisterModule<T>(string name, T module) where T : Module
        {
            ArgumentNullException.ThrowIfNull(module);
            CheckNewName(name);
            _modules.Add(new(name, module));
            return module;
        }

        private void CheckNewName(string name)
        {
            if (string.IsNullOrEmpty(name) || name.Contains('.', StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{name}' is not a valid member name (non-empty, no dots)", nameof(name));
            }

            if (_parameters.Any(p => p.Key == name) || _buffers.Any(p => p.Key == name) || _modules.Any(p => p.Key == name))
            {
                throw new ArgumentException($"'{name}' is already registered in {GetType().Name}", nameof(name));
            }
        }

        public IEnumerable<(string name, Tensor parameter)> named_parameters(string prefix = "")
        {
            foreach (var (name, p) in _parameters)
            {
                yield return (prefix + name, p);
            }

            foreach (var (name, m) in _modules)
            {
                foreach (var item in m.named_parameters(prefix + name + "."))
                {
                    yield return item;
                }
            }
        }

        public IEnumerable<Tensor> parameters() => named_parameters().Select(p => p.parameter);

        public IEnumerable<(string name, Tensor buffer)> named_buffers(string prefix = "")
        {
            foreach (var (name, b) in _buffers)
            {
                yield return (prefix + name, b);
            }

            foreach (var (name, m) in _modules)
            {
                foreach (var item in m.named_buffers(prefix + name + "."))
                {
                    yield return item;
                }
            }
        }

        public IEnumerable<(string name, Module module)> named_modules(string prefix = "")
        {
            foreach (var (name, m) in _modules)
            {
                yield return (prefix + name, m);
                foreach (var item in m.named_modules(prefix + name + "."))
                {
                    yield return item;
                }
            }
        }

        public IEnumerable<(string name, Module module)> named_children() => _modules.Select(m => (m.Key, m.Value));

        public long parameter_count() => parameters().Sum(p => p.numel());

        public virtual Module train(bool on = true)
        {
            training = on;
            foreach (var (_, m) in _modules)
            {
                m.train(on);
            }

            return this;
        }

        public Module eval() => train(false);

        public void zero_grad(bool setToNone = true)
        {
            foreach (var p in parameters())
            {
                p.zero_grad(setToNone);
            }
        }

        /// <summary>
        /// Parameters then buffers under their dotted names. The tensors are the module's own (not copies):
        /// read or save them, do not dispose them.
        /// </summary>
        public Dictionary<string, Tensor> state_dict()
        {
            var dict = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (name, p) in named_parameters())
            {
                dict[name] = p;
            }

            foreach (var (name, b) in named_buffers())
            {
                dict[name] = b;
            }

            return dict;
        }

        /// <summary>
        /// Copies values into the module's tensors. With <paramref name="strict"/>, missing and unexpected keys are
        /// errors; a shape mismatch always is. Nothing is copied unless every check passes.
        /// </summary>
        public void load_state_dict(IReadOnlyDictionary<string, Tensor> source, bool strict = true)
        {
            ArgumentNullException.ThrowIfNull(source);
            var own = state_dict();
            var problems = new List<string>();
            var missing = own.Keys.Where(k => !source.ContainsKey(k)).ToList();
            var unexpected = source.Keys.Where(k => !own.ContainsKey(k)).ToList();
            if (strict && missing.Count > 0)
            {
                problems.Add($"missing keys: {string.Join(", ", missing)}");
            }

            if (strict && unexpected.Count > 0)
            {
                problems.Add($"unexpected keys: {string.Join(", ", unexpected)}");
            }

            foreach (var (name, target) in own)
            {
                if (source.TryGetValue(name, out var value) && !value.shape.SequenceEqual(target.shape))
                {
                    problems.Add($"size mismatch for {name}: the checkpoint has [{string.Join(", ", value.shape)}], the model [{string.Join(", ", target.shape)}]");
                }
            }

            if (problems.Count > 0)
            {
                throw new InvalidOperationException($"Error(s) in loading state_dict for {GetType().Name}: {string.Join("; ", problems)}");
            }

            using var noGrad = torch.no_grad();
            foreach (var (name, target) in own)
            {
                if (source.TryGetValue(name, out var value))
                {
                    target.copy_(value);
                }
            }
        }

        /// <summary>Moves (or converts) every parameter and buffer in place: the Tensor objects stay the same.</summary>
        public Module to(Device device) => Apply(t => t.to(device));

        public Module to(ScalarType dtype) => Apply(t => t.dtype.IsFloatingPoint() ? t.to(dtype) : t.alias());

        private Module Apply(Func<Tensor, Tensor> convert)
        {
            using var noGrad = torch.no_grad();
            foreach (var t in parameters().Concat(named_buffers().Select(b => b.buffer)))
            {
                using var converted = convert(t);
                Native.Check(Native.imbf_set_data(t.Handle, converted.Handle));
            }

            return this;
        }

        protected virtual void Dispose(bool disposing)
        {
            if (_disposed || !disposing)
            {
                return;
            }

            _disposed = true;
            foreach (var (_, p) in _parameters)
            {
                p.Dispose();
            }

            foreach (var (_, b) in _buffers)
            {
                b.Dispose();
            }

            foreach (var (_, m) in _modules)
            {
                m.Dispose();
            }
        }

        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>A module with one input and one output.</summary>
    public abstract class Module<TIn, TOut> : Module
    {
        public abstract TOut forward(TIn input);

        public TOut call(TIn input) => forward(input);
    }
}
