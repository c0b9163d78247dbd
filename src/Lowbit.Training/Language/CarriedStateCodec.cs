using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers.Recurrent;
using Lowbit.Tensors;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Training.Language;

/// <summary>
/// Saves and restores the hidden state the recurrent layers carry between windows, so a run interrupted mid-epoch
/// resumes exactly: a JSON array in the checkpoint header, one entry per recurrent layer (by module name) with its
/// shape and its float32 h (and c) as base64 of the little-endian bytes.
/// </summary>
internal static class CarriedStateCodec
{
    private static readonly string[] s_fields = ["module", "shape", "hidden", "cell"];

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

    /// <summary>Resets every recurrent layer, then restores the saved entries (null: nothing carried).</summary>
    /// <exception cref="InvalidDataException">An entry is malformed, names no recurrent layer of the model, has the
    /// wrong shape for the layer and <paramref name="streams"/>, holds a non-finite value, or a layer appears twice.</exception>
    public static void Restore(Module model, JsonArray? saved, int streams, string path)
    {
        SequenceLayers.ResetState(model);
        if (saved is null) return;
        var layers = model.NamedModules().Where(m => m.Module is RecurrentLayer).ToDictionary(m => m.Name, m => (RecurrentLayer)m.Module, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in saved)
        {
            if (node is not JsonObject entry || entry.Any(kv => Array.IndexOf(s_fields, kv.Key) < 0) || entry["module"] is not JsonValue mv || !mv.TryGetValue(out string? name))
                throw Malformed(path, "each entry is an object with fields 'module' (a name), 'shape', 'hidden' and 'cell'");
            if (!layers.TryGetValue(name, out var layer))
                throw new InvalidDataException($"{path}: the saved recurrent state names module '{Checkpoint.Shown(name)}', which is not a recurrent layer of this model.");
            if (!seen.Add(name)) throw new InvalidDataException($"{path}: the saved recurrent state holds module '{name}' twice.");
            int[] expected = [layer.Layers, streams, layer.HiddenSize];
            if (entry["shape"] is not JsonArray shapeNode || shapeNode.Count != 3 || !shapeNode.Select((n, i) => n is JsonValue v && v.TryGetValue(out int d) && d == expected[i]).All(ok => ok))
                throw new InvalidDataException($"{path}: the saved recurrent state of '{name}' must have shape [{string.Join(", ", expected)}] (layers, train.batch_size streams, hidden units) for {layer.Describe()}.");
            if (entry["cell"] is not null != layer.HasCell)
                throw new InvalidDataException($"{path}: the saved recurrent state of '{name}' {(layer.HasCell ? "lacks" : "has")} a cell state, which does not fit {layer.Describe()}.");
            var hidden = Decode(entry["hidden"], expected, path, name, "hidden");
            var cell = layer.HasCell ? Decode(entry["cell"], expected, path, name, "cell") : null;
            layer.CarriedState = new RecurrentState(hidden, cell);
        }
    }

    private static InvalidDataException Malformed(string path, string what) => new($"{path}: header field 'recurrent_state' is malformed: {what}.");

    private static Tensor Decode(JsonNode? node, int[] shape, string path, string name, string part)
    {
        int count = shape[0] * shape[1] * shape[2];
        byte[] bytes;
        try
        {
            bytes = node is JsonValue v && v.TryGetValue(out string? text) ? Convert.FromBase64String(text) : throw Malformed(path, $"'{name}' {part} must be a base64 string");
        }
        catch (FormatException)
        {
            throw Malformed(path, $"'{name}' {part} is not valid base64");
        }
        if (bytes.Length != count * sizeof(float))
            throw new InvalidDataException($"{path}: the saved recurrent {part} state of '{name}' holds {bytes.Length} bytes, not {count} float32 values.");
        float[] values = MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        int bad = Array.FindIndex(values, x => !float.IsFinite(x) || Math.Abs(x) > 1e10f);
        if (bad >= 0) throw new InvalidDataException($"{path}: the saved recurrent {part} state of '{name}' holds an impossible value at element {bad}.");
        return Tensor.FromArray(values, shape);
    }
}
