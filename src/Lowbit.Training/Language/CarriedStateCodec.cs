using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers.Recurrent;
using Lowbit.Tensors;
using Lowbit.Training.Config;

namespace Lowbit.Training.Language;

/// <summary>
/// Saves and restores the hidden state the recurrent layers carry between windows, so a run interrupted mid-epoch
/// resumes exactly: a JSON array in the checkpoint header, one entry per recurrent layer (by module name) with its
/// shape and its float32 h (and c) as base64 of the little-endian bytes.
/// </summary>
internal static class CarriedStateCodec
{
    public static JsonArray Save(Module model)
    {
        var array = new JsonArray();
        foreach (var (name, module) in model.NamedModules())
        {
            if (module is not RecurrentLayer { CarriedState: { } state }) continue;
            array.Add(new JsonObject
            {
                ["module"] = name,
                ["shape"] = new JsonArray(state.Hidden.Shape.Select(d => (JsonNode)d).ToArray()),
                ["hidden"] = Convert.ToBase64String(MemoryMarshal.AsBytes(state.Hidden.AsSpan())),
                ["cell"] = state.Cell is null ? null : Convert.ToBase64String(MemoryMarshal.AsBytes(state.Cell.AsSpan())),
            });
        }

        return array;
    }

    /// <exception cref="InvalidDataException">An entry names no recurrent layer of the model or has the wrong size.</exception>
    public static void Restore(Module model, JsonArray? saved, string path)
    {
        SequenceLayers.ResetState(model);
        if (saved is null) return;
        var layers = model.NamedModules().Where(m => m.Module is RecurrentLayer).ToDictionary(m => m.Name, m => (RecurrentLayer)m.Module, StringComparer.Ordinal);
        foreach (var entry in saved.OfType<JsonObject>())
        {
            string name = entry["module"]?.GetValue<string>() ?? "";
            if (!layers.TryGetValue(name, out var layer))
                throw new InvalidDataException($"{path}: the saved recurrent state names module '{name}', which is not a recurrent layer of this model.");
            int[] shape = entry["shape"]!.AsArray().Select(n => n!.GetValue<int>()).ToArray();
            var hidden = Decode(entry["hidden"], shape, path, name);
            var cell = entry["cell"] is null ? null : Decode(entry["cell"], shape, path, name);
            if (shape.Length != 3 || shape[0] != layer.Layers || shape[2] != layer.HiddenSize || (cell is null) == layer.HasCell)
                throw new InvalidDataException($"{path}: the saved recurrent state of '{name}' has shape [{string.Join(", ", shape)}], which does not fit {layer.Describe()}.");
            layer.CarriedState = new RecurrentState(hidden, cell);
        }
    }

    private static Tensor Decode(JsonNode? node, int[] shape, string path, string name)
    {
        byte[] bytes = Convert.FromBase64String(node?.GetValue<string>() ?? "");
        int count = shape.Aggregate(1, (p, d) => p * d);
        if (bytes.Length != count * sizeof(float))
            throw new InvalidDataException($"{path}: the saved recurrent state of '{name}' holds {bytes.Length} bytes, not {count} float32 values.");
        return Tensor.FromArray(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape);
    }
}
