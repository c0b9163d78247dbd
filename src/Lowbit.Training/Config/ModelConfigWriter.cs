using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers;

namespace Lowbit.Training.Config;

/// <summary>
/// Writes a model built in C# as a config's <c>layers</c> list, so that <see cref="ModelBuilder"/> (and every
/// <c>lowbit</c> command that reads a checkpoint) rebuilds the same module tree: the same parameter and buffer names and
/// shapes, quantizers with the same options, the same clipping. Each layer type writes its own fields
/// (<see cref="LayerType.Write"/>, beside the builder that reads them).
/// </summary>
/// <remarks>
/// Initial weights are not written (a checkpoint holds the trained ones): a rebuilt model draws fresh ones until its state
/// is loaded. Models with a low-precision "arithmetic" policy come from configs and are not written back.
/// </remarks>
public static class ModelConfigWriter
{
    /// <summary>The layer list of <paramref name="model"/>.</summary>
    /// <exception cref="NotSupportedException">A module is not a registered layer type, or one of its settings has no config field.</exception>
    public static JsonArray Layers(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.OutputHook is not null)
            throw new NotSupportedException("the model has an output hook (a low-precision arithmetic policy); such models are defined by a config's \"arithmetic\" block, not written from C#.");
        SequenceLayers.CheckWritable(model);
        return Layers(model, "layers");
    }

    internal static JsonArray Layers(Sequential model, string path)
    {
        var list = new JsonArray();
        for (int i = 0; i < model.Layers.Count; i++) list.Add(Entry(model.Layers[i], $"{path}[{i}]"));
        return list;
    }

    private static JsonObject Entry(Module module, string path)
    {
        var writer = new LayerWriter(path);
        foreach (var type in LayerRegistry.Types)
        {
            if (type.Write?.Invoke(module, writer) is not { } fields) continue;
            var entry = new JsonObject { ["type"] = type.Name };
            foreach (var (key, value) in fields.ToList())
            {
                fields.Remove(key);
                entry[key] = value;
            }
            return entry;
        }
        throw new NotSupportedException(
            $"{path}: {module.GetType().Name} is not a layer type a config can name ({string.Join(", ", LayerRegistry.Names)}); a model saved for the lowbit command may use only those.");
    }
}
