using System.Text.Json.Nodes;
using Lowbit.Nn;

namespace Lowbit.Training.Config;

/// <summary>
/// One layer type a config may name in <c>layers</c>: its name, whether it takes the quantizer fields that the
/// <c>quantization</c> block and <c>bit_assignment</c> fill in, how to build the module from its fields, and which
/// nested layer lists it holds. The module itself owns its shape rule (<see cref="Module.OutputShape"/>) and cost
/// rule (<see cref="Module.Cost"/>); <see cref="LayerRegistry"/> lists every type.
/// </summary>
/// <param name="Name">Config name, e.g. "conv2d".</param>
/// <param name="Create">Builds the module from the layer's fields; reads every field it knows (unread fields are errors).</param>
/// <param name="Quantizable">True for layers with weights and the <c>input_quantizer</c> / <c>weight_quantizer</c> fields (dense, conv2d).</param>
/// <param name="NestedLayers">The nested layer lists of one entry (a residual block's body and shortcut), or null for none.</param>
/// <param name="Write">
/// The inverse of <paramref name="Create"/> for <see cref="ModelConfigWriter"/>: the fields (without "type") that rebuild a
/// module of this type, or null when the module is not of this type; null when models built in C# cannot hold this type.
/// </param>
internal sealed record LayerType(
    string Name, Func<LayerContext, Module> Create, bool Quantizable = false, Func<JsonObject, IEnumerable<JsonArray>>? NestedLayers = null,
    Func<Module, LayerWriter, JsonObject?>? Write = null);
