using System.Runtime.InteropServices;
using System.Text;

namespace Lowbit.Training.Distributed;

/// <summary>
/// The dozen MPI functions data-parallel training needs, bound at run time to Open MPI's <c>libmpi.so.40</c> (Debian's
/// <c>libopenmpi3</c>, installed with <c>openmpi-bin</c>). Nothing is loaded until <see cref="Load"/> is called, so
/// Lowbit has no dependency on MPI unless a run asks for it.
/// </summary>
/// <remarks>
/// Open MPI's ABI: handles (communicators, datatypes, operations, error handlers, requests) are pointers, and the
/// predefined ones are the addresses of exported objects (<c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>);
/// <c>MPI_IN_PLACE</c> is (void*)1 and <c>MPI_STATUS_IGNORE</c> is null. MPICH-derived libraries use integer handles and
/// are refused with a message. Why not MPI.NET: its NuGet package (1.4.0) is built against Microsoft MPI (msmpi.dll)
/// and Windows only; on Linux it must be compiled from source against the local MPI.
/// </remarks>
internal sealed unsafe class MpiLibrary
{
    /// <summary>Library names tried in order (the runtime library first, then the development symlink).</summary>
    private static readonly string[] s_names = ["libmpi.so.40", "libmpi.so"];

    public const int Success = 0;
    public const int ThreadSerialized = 2;
    public static readonly nint InPlace = 1;

    private readonly nint _handle;
#pragma warning disable CS0649, IDE0044 // assigned through pointers in Bind
    private delegate* unmanaged<int*, nint, int, int*, int> _initThread;
    private delegate* unmanaged<int*, int> _initialized;
    private delegate* unmanaged<int*, int> _finalized;
    private delegate* unmanaged<int> _finalize;
    private delegate* unmanaged<nint, int, int> _abort;
    private delegate* unmanaged<nint, int*, int> _commRank;
    private delegate* unmanaged<nint, int*, int> _commSize;
    private delegate* unmanaged<nint, nint, int> _commSetErrhandler;
    private delegate* unmanaged<nint, int, nint, int, nint, nint*, int> _ibcast;
    private delegate* unmanaged<nint, nint, int, nint, nint, nint, nint*, int> _iallreduce;
    private delegate* unmanaged<nint, int, nint, nint, int, nint, nint, nint*, int> _iallgather;
    private delegate* unmanaged<nint, nint*, int> _ibarrier;
    private delegate* unmanaged<nint*, int*, nint, int> _test;
    private delegate* unmanaged<int, byte*, int*, int> _errorString;
    private delegate* unmanaged<byte*, int*, int> _libraryVersion;
#pragma warning restore CS0649, IDE0044

    private MpiLibrary(nint handle, string path)
    {
        _handle = handle;
        Path = path;
        _initThread = (delegate* unmanaged<int*, nint, int, int*, int>)Export("MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        _abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        _commRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        _commSetErrhandler = (delegate* unmanaged<nint, nint, int>)Export("MPI_Comm_set_errhandler");
        _ibcast = (delegate* unmanaged<nint, int, nint, int, nint, nint*, int>)Export("MPI_Ibcast");
        _iallreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, nint*, int>)Export("MPI_Iallreduce");
        _iallgather = (delegate* unmanaged<nint, int, nint, nint, int, nint, nint, nint*, int>)Export("MPI_Iallgather");
        _ibarrier = (delegate* unmanaged<nint, nint*, int>)Export("MPI_Ibarrier");
        _test = (delegate* unmanaged<nint*, int*, nint, int>)Export("MPI_Test");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
        _libraryVersion = (delegate* unmanaged<byte*, int*, int>)Export("MPI_Get_library_version");
        CommWorld = Export("ompi_mpi_comm_world");
        Float = Export("ompi_mpi_float");
        Double = Export("ompi_mpi_double");
        Byte = Export("ompi_mpi_byte");
        Sum = Export("ompi_mpi_op_sum");
        ErrorsReturn = Export("ompi_mpi_errors_return");
    }

    /// <summary>The file that was loaded.</summary>
    public string Path { get; }

    public nint CommWorld { get; }
    public nint Float { get; }
    public nint Double { get; }
    public nint Byte { get; }
    public nint Sum { get; }
    public nint ErrorsReturn { get; }

    /// <summary>Loads Open MPI's library, or throws with what to install.</summary>
    /// <exception cref="DistributedException">No Open MPI library can be loaded, or the library is not Open MPI.</exception>
    public static MpiLibrary Load()
    {
        foreach (var name in s_names)
        {
            if (!NativeLibrary.TryLoad(name, out nint handle)) continue;
            if (!NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out _))
                throw new DistributedException($"{name} is not Open MPI (no ompi_mpi_comm_world); Lowbit's MPI support needs Open MPI (Debian: apt-get install openmpi-bin).");
            return new MpiLibrary(handle, name);
        }
        throw new DistributedException("this run was started by mpirun but Open MPI's library (libmpi.so.40) cannot be loaded; install it (Debian: apt-get install openmpi-bin).");
    }

    private nint Export(string name) => NativeLibrary.TryGetExport(_handle, name, out nint address)
        ? address
        : throw new DistributedException($"{Path} has no symbol {name}; Lowbit needs Open MPI 4 or later.");

    public int InitThread(int required, out int provided)
    {
        int p;
        int rc = _initThread(null, 0, required, &p);
        provided = p;
        return rc;
    }

    public bool IsInitialized()
    {
        int flag;
        return _initialized(&flag) == Success && flag != 0;
    }

    public bool IsFinalized()
    {
        int flag;
        return _finalized(&flag) == Success && flag != 0;
    }

    public int Finalize() => _finalize();

    public int Abort(nint comm, int code) => _abort(comm, code);

    public int CommRank(nint comm, out int rank)
    {
        int r;
        int rc = _commRank(comm, &r);
        rank = r;
        return rc;
    }

    public int CommSize(nint comm, out int size)
    {
        int s;
        int rc = _commSize(comm, &s);
        size = s;
        return rc;
    }

    public int SetErrorsReturn(nint comm) => _commSetErrhandler(comm, ErrorsReturn);

    public int Ibcast(nint buffer, int count, nint type, int root, nint comm, nint* request) => _ibcast(buffer, count, type, root, comm, request);

    public int Iallreduce(nint send, nint receive, int count, nint type, nint op, nint comm, nint* request) =>
        _iallreduce(send, receive, count, type, op, comm, request);

    public int Iallgather(nint send, int sendCount, nint sendType, nint receive, int receiveCount, nint receiveType, nint comm, nint* request) =>
        _iallgather(send, sendCount, sendType, receive, receiveCount, receiveType, comm, request);

    public int Ibarrier(nint comm, nint* request) => _ibarrier(comm, request);

    public int Test(nint* request, out bool done)
    {
        int flag;
        int rc = _test(request, &flag, 0);
        done = flag != 0;
        return rc;
    }

    /// <summary>MPI's text for an error code.</summary>
    public string ErrorString(int code)
    {
        var buffer = stackalloc byte[1024];
        int length;
        return _errorString(code, buffer, &length) == Success ? Encoding.ASCII.GetString(buffer, Math.Clamp(length, 0, 1023)) : $"MPI error {code}";
    }

    /// <summary>The library's version line (e.g. "Open MPI v4.1.4, ...").</summary>
    public string LibraryVersion()
    {
        var buffer = stackalloc byte[4096];
        int length;
        if (_libraryVersion(buffer, &length) != Success) return "unknown MPI library";
        string text = Encoding.ASCII.GetString(buffer, Math.Clamp(length, 0, 4095));
        int end = text.IndexOfAny(['\n', ',', '\0']);
        return end > 0 ? text[..end] : text;
    }
}
