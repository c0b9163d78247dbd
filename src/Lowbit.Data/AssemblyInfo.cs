namespace Lowbit.Data;
