namespace Lowbit.Quantization;
