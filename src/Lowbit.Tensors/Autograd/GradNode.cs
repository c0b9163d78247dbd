namespace Lowbit.Tensors.Autograd;

/// <summary>One recorded op: its inputs and the rule that maps the output gradient to input gradients.</summary>
/// <param name="OpName">Name used in error messages.</param>
/// <param name="Inputs">The op's tensor inputs, in order.</param>
/// <param name="Backward">Maps dL/d(output) to dL/d(input) for each input (null where not needed).</param>
internal sealed record GradNode(string OpName, Tensor[] Inputs, Func<Tensor, Tensor?[]> Backward);
