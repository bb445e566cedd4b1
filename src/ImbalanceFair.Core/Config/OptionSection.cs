namespace ImbalanceFair.Core.Config;

/// <summary>
/// A mapping of the run config owned by one component (a strategy's <c>augment.smote</c>, say): its key, how it reads
/// (strictly, from a <see cref="YamlObject"/>; defaults when absent) and how it writes itself back.
/// </summary>
public interface IOptionSection
{
    string Key { get; }

    Type OptionsType { get; }

    object Read(YamlObject? y);

    IReadOnlyList<ConfigNode> Write(object options);
}

/// <summary>An <see cref="IOptionSection"/> over the record <typeparamref name="T"/>, whose <c>new()</c> is its defaults.</summary>
public sealed class OptionSection<T>(string key, Func<YamlObject, T, T> read, Func<T, IEnumerable<ConfigNode>> write) : IOptionSection
    where T : class, new()
{
    public string Key { get; } = key;

    public Type OptionsType => typeof(T);

    /// <summary>Reads the section; <paramref name="read"/> gets the mapping and the defaults.</summary>
    public object Read(YamlObject? y) => y is null ? new T() : read(y, new T());

    public IReadOnlyList<ConfigNode> Write(object options) => [.. write((T)options)];
}
