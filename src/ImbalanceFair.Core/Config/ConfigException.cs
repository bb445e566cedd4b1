namespace ImbalanceFair.Core.Config;

/// <summary>A problem with user input (a config, a descriptor, an override): exit code 2, nothing written.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException()
    {
    }

    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
