namespace Lowbit.Hardware;
