using Lowbit.Inference.Export;

namespace Lowbit.Inference.Format;

/// <summary>Reads one layer of a kind, kind byte first, validating every field (errors name the byte offset).</summary>
internal delegate PackedLayer PackedLayerReader(ref PackedModelReader reader, in LayerReadContext context);

/// <summary>Where a layer is read: its index, the layer count, what arrives from the previous layer, the pixel tables <c>[channels, 256]</c>, the file's version.</summary>
internal readonly record struct LayerReadContext(int Index, int Count, ActivationSpec Arriving, float[] PixelTables, uint Version);

/// <summary>
/// One packed layer kind (docs/FORMAT.md, "Kinds"): its kind byte, name, the format version that introduced it, the
/// encodings it consumes, whether it produces the logits (last layer), how it is read and how it is exported.
/// </summary>
/// <param name="Code">The kind byte.</param>
/// <param name="Name">Short name for messages and docs.</param>
/// <param name="SinceVersion">First format version with this kind.</param>
/// <param name="Inputs">Encodings the kind can consume.</param>
/// <param name="IsOutput">Whether the kind ends the network (its output is the logits).</param>
/// <param name="Read">Its reader.</param>
/// <param name="Export">How a model's layer becomes this kind (the exporter picks kinds by operation, input, weights and
/// head), or null for kinds emitted by another kind's exporter (pooling).</param>
internal sealed record PackedLayerKind(byte Code, string Name, uint SinceVersion, ActivationEncoding[] Inputs, bool IsOutput,
    PackedLayerReader Read, KindExport? Export);
