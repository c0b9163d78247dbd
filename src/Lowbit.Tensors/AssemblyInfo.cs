namespace Lowbit.Tensors;
