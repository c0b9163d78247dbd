namespace Lowbit.Training.Config;

/// <summary>An invalid experiment config: the message names the file, the field path and what is allowed.</summary>
public sealed class ConfigException(string message) : Exception(message);
