using Lowbit.Tensors;
using Lowbit.Training.Config;
using Lowbit.Training.Interop;

namespace Lowbit.Api;

/// <summary>Weights as safetensors files (docs/GUIDE.md, "Arrays in and out").</summary>
public sealed partial class LowbitModel
{
    /// <summary>Metadata key of the config (JSON) a safetensors file written by <see cref="SaveSafetensors"/> carries.</summary>
    public const string ConfigMetadataKey = "lowbit.config";

    /// <summary>
    /// Writes every parameter and buffer under its state-dict name (PyTorch's names for the same modules) as a safetensors
    /// file, with the config, name and dataset in its metadata ("lowbit.config", "lowbit.name", "lowbit.dataset").
    /// </summary>
    /// <param name="path">The file to write (atomically), e.g. model.safetensors.</param>
    public void SaveSafetensors(string path)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ConfigMetadataKey] = Config.Json,
            ["lowbit.name"] = Name,
            ["lowbit.dataset"] = Config.Data.Dataset,
            ["format"] = "pt",
        };
        Safetensors.Write(path, Network.StateDict(), metadata);
    }

    /// <summary>
    /// Copies the tensors of a safetensors file into the network by name (e.g. weights trained in PyTorch): every
    /// parameter and buffer of the network must be there with its shape; values are converted to the network's type.
    /// </summary>
    /// <param name="path">The safetensors file.</param>
    /// <returns>The file's tensors the network has no place for (PyTorch's num_batches_tracked, for instance), in ordinal order.</returns>
    /// <exception cref="InvalidDataException">The file is damaged, or a tensor is missing or has another shape.</exception>
    public IReadOnlyList<string> LoadWeights(string path)
    {
        var file = Safetensors.Read(path);
        var own = Network.StateDict();
        foreach (var (name, tensor) in own)
        {
            if (!file.Tensors.TryGetValue(name, out var stored))
                throw new InvalidDataException($"{Path.GetFileName(path)}: no tensor '{name}' ({ShapeUtil.Format(tensor.ShapeSpan)}), which the network needs; the file has {file.Tensors.Count} tensors.");
            if (!stored.ShapeSpan.SequenceEqual(tensor.ShapeSpan))
                throw new InvalidDataException($"{Path.GetFileName(path)}: tensor '{name}' is {ShapeUtil.Format(stored.ShapeSpan)} but the network's is {ShapeUtil.Format(tensor.ShapeSpan)}.");
        }
        Network.LoadStateDict(own.Keys.ToDictionary(k => k, k => file.Tensors[k], StringComparer.Ordinal));
        return file.Tensors.Keys.Where(k => !own.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>A model from a safetensors file written by <see cref="SaveSafetensors"/> (or <c>lowbit export --format safetensors</c>): its config's network with its weights (evaluation mode).</summary>
    /// <exception cref="InvalidDataException">The file has no Lowbit config in its metadata, or its tensors do not fit.</exception>
    public static LowbitModel FromSafetensors(string path)
    {
        var file = Safetensors.Read(path);
        if (!file.Metadata.TryGetValue(ConfigMetadataKey, out var json))
            throw new InvalidDataException($"{Path.GetFileName(path)}: no \"{ConfigMetadataKey}\" in the metadata; build the network in C# and call LoadWeights instead.");
        var config = ConfigLoader.Parse(json, Path.GetFileName(path));
        var shape = Training.DataResolver.InputShape(config.Data);
        var model = new LowbitModel(ModelBuilder.Build(config, shape), config, shape);
        model.LoadWeights(path);
        model.Network.Eval();
        return model;
    }
}
