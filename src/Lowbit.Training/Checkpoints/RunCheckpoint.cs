using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;
using Lowbit.Training.Config;
using Lowbit.Training.Language;

namespace Lowbit.Training.Checkpoints;

/// <summary>
/// A checkpoint written by <see cref="Trainer"/>, read and checked as a whole: the binary container
/// (<see cref="Checkpoint"/>), then its header (format tag, config, trainer state) and, on request, its tensors
/// against the model the config builds. This is the one place that turns a checkpoint into a model, so eval, export,
/// summary, benchmarks and resume all reject a damaged or mismatched file with the same one-line message.
/// </summary>
/// <param name="Path">The file read.</param>
/// <param name="Config">The saved config with any overrides applied.</param>
/// <param name="State">The image trainer's progress (validated: see <see cref="TrainerState.FindInconsistency"/>), or
/// null when the header has none (a model saved by other code: it can be evaluated and exported, not resumed) or the
/// run is a language model (see <see cref="LanguageModelState"/>).</param>
/// <param name="Data">The raw tensors.</param>
/// <param name="Header">The parsed header (e.g. for the "arithmetic" section the trainer restores).</param>
public sealed record RunCheckpoint(string Path, ExperimentConfig Config, TrainerState? State, CheckpointData Data, JsonObject Header)
{
    /// <summary>The value of the header's "format" field.</summary>
    public const string FormatTag = "lowbit-checkpoint";

    /// <summary>Options the trainer state is written and read with (NaN losses are legal before the first step).</summary>
    internal static readonly JsonSerializerOptions StateJson = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Header fields the trainer writes; any other is refused (a new field must be added here).</summary>
    private static readonly string[] s_headerKeys = ["format", "config", "config_source", "state", "arithmetic", "recurrent_state"];

    /// <summary>
    /// A language-model run's progress (validated: see <see cref="LanguageModelTrainerState.FindInconsistency"/>), or
    /// null for image runs and headers without a state.
    /// </summary>
    public LanguageModelTrainerState? LanguageModelState { get; init; }

    /// <summary>Reads <paramref name="path"/> and checks its header; <paramref name="overrides"/> (<c>key=value</c>) apply to the saved config.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid checkpoint; the message names the file and the field.</exception>
    /// <exception cref="ConfigException">An override is invalid for the saved config.</exception>
    public static RunCheckpoint Load(string path, IEnumerable<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var data = Checkpoint.Load(path);
        return FromData(data, path, overrides);
    }

    /// <summary>Checks the header of already-read checkpoint data (see <see cref="Load"/>).</summary>
    public static RunCheckpoint FromData(CheckpointData data, string path, IEnumerable<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(path);
        string file = path;
        JsonObject header;
        try
        {
            header = StrictJson.ParseObject(data.Header, file, "the checkpoint header");
        }
        catch (ConfigException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
        if (header["config"] is not JsonObject configNode) throw new InvalidDataException($"{file}: the header has no saved config (a 'config' object); the file was not written by lowbit train.");
        foreach (var (key, _) in header)
            if (Array.IndexOf(s_headerKeys, key) < 0)
                throw new InvalidDataException($"{file}: unknown header field '{Checkpoint.Shown(key)}' (known: {string.Join(", ", s_headerKeys)}).");
        if (header["format"] is { } format && (format is not JsonValue fv || fv.GetValueKind() != JsonValueKind.String || fv.GetValue<string>() != FormatTag))
            throw new InvalidDataException($"{file}: header field 'format' must be \"{FormatTag}\".");
        string source = file;
        if (header["config_source"] is { } sourceNode)
        {
            if (sourceNode is not JsonValue sv || sv.GetValueKind() != JsonValueKind.String || sv.GetValue<string>() is not { Length: > 0 and <= 255 } s || s.Any(char.IsControl))
                throw new InvalidDataException($"{file}: header field 'config_source' must be a file name (1 to 255 printable characters).");
            source = s;
        }
        var config = ParseConfig(configNode, source, file, overrides);
        bool text = config.Data.IsText;
        var state = header["state"] is null || text ? null : ParseState<TrainerState>(header["state"], file, s => s.FindInconsistency());
        var lmState = header["state"] is null || !text ? null : ParseState<LanguageModelTrainerState>(header["state"], file, s => s.FindInconsistency());
        if (header["arithmetic"] is { } arithmetic && arithmetic is not JsonObject)
            throw new InvalidDataException($"{file}: header field 'arithmetic' must be an object.");
        if (header["recurrent_state"] is { } carried && (!text || carried is not JsonArray))
            throw new InvalidDataException(text ? $"{file}: header field 'recurrent_state' must be an array." : $"{file}: header field 'recurrent_state' belongs to language models, not to a '{config.Data.Dataset}' run.");
        return new RunCheckpoint(path, config, state, data, header) { LanguageModelState = lmState };
    }

    private static ExperimentConfig ParseConfig(JsonObject configNode, string source, string file, IEnumerable<string>? overrides)
    {
        // Overrides are the user's input (one-line ConfigException naming --set); the saved config itself is the file's.
        string json = configNode.ToJsonString();
        ExperimentConfig saved;
        try
        {
            saved = ConfigLoader.Parse(json, source);
        }
        catch (ConfigException e)
        {
            throw new InvalidDataException($"{file}: the saved config is invalid: {e.Message}", e);
        }
        var list = overrides?.ToList() ?? [];
        return list.Count == 0 ? saved : ConfigLoader.Parse(json, source, list);
    }

    private static T ParseState<T>(JsonNode? node, string file, Func<T, string?> findInconsistency)
        where T : class
    {
        if (node is not JsonObject) throw new InvalidDataException($"{file}: header field 'state' must be an object.");
        T? state;
        try
        {
            state = node.Deserialize<T>(StateJson);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: trainer state: {(e.Path is { } p ? $"field '{ErrorText.Shown(p, 120)}' " : "")}is malformed ({ErrorText.OneLine(e.Message.Split(". ")[0], 200)}).", e);
        }
        if (state is null) throw new InvalidDataException($"{file}: the header has no trainer 'state' object.");
        if (findInconsistency(state) is { } problem) throw new InvalidDataException($"{file}: trainer state is inconsistent: {problem}.");
        return state;
    }

    /// <summary>The trainer state, required to resume.</summary>
    /// <exception cref="InvalidDataException">The header holds no trainer state.</exception>
    public TrainerState RequireState() => State ?? throw new InvalidDataException(LanguageModelState is null
        ? $"{Path}: the header has no trainer 'state'; the checkpoint can be evaluated and exported but not resumed."
        : $"{Path}: the checkpoint holds a language model; it resumes with the language-model trainer.");

    /// <summary>The language-model trainer state, required to resume a language model.</summary>
    /// <exception cref="InvalidDataException">The header holds no language-model state.</exception>
    public LanguageModelTrainerState RequireLanguageModelState() => LanguageModelState ?? throw new InvalidDataException(
        $"{Path}: the header has no language-model trainer 'state'; the checkpoint can be evaluated but not resumed.");

    /// <summary>Values stored in the model section: no weight of the saved config's model can be larger.</summary>
    public long StoredModelElements => Data.Model.Values.Sum(t => (long)t.Length);

    /// <summary>Builds the config's model for <paramref name="inputShape"/> and loads the saved weights into it.</summary>
    /// <exception cref="InvalidDataException">The saved config does not build a model for this input shape, or the saved
    /// tensors do not fit the model (names, shapes, non-finite values).</exception>
    public Sequential BuildModel(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        Sequential model;
        try
        {
            model = ModelBuilder.Build(Config, inputShape, StoredModelElements);
        }
        catch (ConfigException e)
        {
            throw new InvalidDataException($"{Path}: the saved config does not build a model: {e.Message}", e);
        }
        LoadInto(model);
        return model;
    }

    /// <summary>Loads the saved model tensors into <paramref name="model"/>, with one-line errors naming the file.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing, extra, of another shape, or not finite.</exception>
    public void LoadInto(Nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string file = Path;
        RequireFinite(Data.Model, file, "model");
        try
        {
            model.LoadStateDict(Data.Model);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{file}: the saved weights do not fit the model its config builds: {ErrorText.Bare(e).TrimEnd('.')}; a --set that changes a layer's shape cannot apply to a saved run.", e);
        }
    }

    /// <summary>Restores the optimizer state, with one-line errors naming the file.</summary>
    /// <exception cref="InvalidDataException">An entry names no parameter, has the wrong shape or type, or is not finite.</exception>
    public void LoadInto(Optimizers.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        string file = Path;
        RequireFinite(Data.Optimizer, file, "optimizer");
        try
        {
            optimizer.LoadState(Data.Optimizer);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{file}: the saved optimizer state does not fit the model: {ErrorText.Bare(e)}", e);
        }
    }

    /// <summary>
    /// Largest magnitude a model value (weight, bias, statistic, quantizer scale) may have. Training never gets near it
    /// (a loss that overflows stops the run before a checkpoint is saved); a larger value is damage, and would overflow
    /// float32 a layer or two later.
    /// </summary>
    public const double MaxModelMagnitude = 1e10;

    private static void RequireFinite(IReadOnlyDictionary<string, Tensor> tensors, string file, string section)
    {
        double limit = section == "model" ? MaxModelMagnitude : double.MaxValue;
        foreach (var (name, t) in tensors)
        {
            int bad = t.DType == DType.Float64 ? IndexOfImplausible(t.Span<double>(), limit) : IndexOfImplausible(t.AsSpan(), (float)Math.Min(limit, float.MaxValue));
            if (bad < 0) continue;
            double value = t.ToDoubleArray()[bad];
            throw new InvalidDataException(double.IsFinite(value)
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{file}: {section} tensor '{Checkpoint.Shown(name)}' holds {value:G3} at element {bad}; model values stay within ±{limit:G0}, so the file is damaged.")
                : $"{file}: {section} tensor '{Checkpoint.Shown(name)}' holds a NaN or infinity at element {bad}.");
        }
    }

    private static int IndexOfImplausible<T>(ReadOnlySpan<T> values, T limit)
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
            if (!T.IsFinite(values[i]) || T.Abs(values[i]) > limit) return i;
        return -1;
    }
}
