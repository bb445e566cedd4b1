using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// Exact k-nearest-neighbour search (squared Euclidean) on the device, for the SMOTE family: the same neighbours on
/// every device and thread count, ties going to the lower key index (as a stable sort orders them).
/// <para>
/// Exact path: ‖q‖² + ‖x‖² − 2 q·x in float64 through one matrix product per block. On uint8 pixels every term is
/// an integer below 2^53, so the result is exact whatever the summation order.
/// </para>
/// <para>
/// Screened path (large searches of uint8 keys on the CPU, where float32 products run twice as fast as float64): the
/// same formula in float32 picks each query's k + <see cref="Margin"/> nearest candidates, and exact integer
/// distances of candidates decide. A row's answer is used only when provably exact, given a bound on the float32
/// rounding error (<see cref="ErrorBound"/>): see <c>Searcher.Screened</c>; rows it cannot prove take the exact path.
/// (Not used on CUDA, where NVIDIA_TF32_OVERRIDE could silently lower the precision of float32 products.)
/// </para>
/// Memory stays bounded: the query rows are taken in chunks so that the [chunk, keys] distance matrix, and each
/// copy of a block of rows, stays under <see cref="BlockBytes"/>.
/// </summary>
internal static class NearestNeighbors
{
    /// <summary>The most bytes one working block (distances, or converted rows) may take.</summary>
    public const long BlockBytes = 256L << 20;

    /// <summary>
    /// The most bytes one piece of elementwise work may take: large enough that the cost of each op (one parallel
    /// region, which on a busy machine waits for every thread to be scheduled) is spread over much data.
    /// </summary>
    public const long PieceBytes = 32L << 20;

    /// <summary>Extra candidates the float32 screen keeps beyond k.</summary>
    public const int Margin = 16;

    /// <summary>
    /// Below this many multiply-adds (queries · keys · D) a search is cheap whatever the path: it takes the exact one,
    /// on libtorch's threads alone, as the screen's extra steps and waking BLAS threads would cost more than they save.
    /// </summary>
    public const long LargeSearch = 1L << 27;

    private sealed record KeyBlock(long Start, long Length, Tensor? Rows, Tensor Norms);

    /// <summary>
    /// The <paramref name="k"/> nearest keys of every query, nearest first: [queries.size(0) · k] positions into
    /// <paramref name="keys"/>, row by row. <paramref name="selfInKeys"/>, when given, is for each query its own
    /// position among the keys (−1 if none), which is never returned as a neighbour of it.
    /// </summary>
    /// <param name="keys">[nk, D] rows (uint8 pixels; other types are ranked by float64 distance, ties unordered), on the device.</param>
    /// <param name="queries">[nq, D] rows of the same type on the same device.</param>
    /// <param name="blockBytes">The memory bound of one working block (smaller in tests, to exercise the chunking).</param>
    /// <param name="screen">Whether the float32 screen may be used where it applies: null for large searches only
    /// (<see cref="LargeSearch"/>); tests force it on or off to check both paths.</param>
    public static long[] Search(Tensor keys, Tensor queries, int k, long[]? selfInKeys = null, long blockBytes = BlockBytes, bool? screen = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(queries);
        var nk = keys.size(0);
        var nq = queries.size(0);
        var available = nk - (selfInKeys is null ? 0 : 1);
        if (k < 1 || k > available)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"{k} nearest neighbours asked of {nk} candidates");
        }

        if (selfInKeys is not null && selfInKeys.Length != nq)
        {
            throw new ArgumentException("selfInKeys needs one entry per query", nameof(selfInKeys));
        }

        if (nq == 0)
        {
            return [];
        }

        var large = (double)nq * nk * keys.size(1) >= LargeSearch;
        return large
            ? WithBlasThreads(keys.device, () => Run(keys, queries, k, selfInKeys, blockBytes, screen ?? true))
            : Run(keys, queries, k, selfInKeys, blockBytes, screen ?? false);
    }

    private static long[] Run(Tensor keys, Tensor queries, int k, long[]? selfInKeys, long blockBytes, bool screen)
    {
        var nk = keys.size(0);
        var nq = queries.size(0);
        var available = nk - (selfInKeys is null ? 0 : 1);
        var result = new long[nq * k];
        using var scope = torch.NewDisposeScope();
        // The error bound needs D·2^−24 well below 1.
        var screened = screen && keys.dtype == ScalarType.UInt8 && !keys.device.IsCuda && k + Margin < available && keys.size(1) < (1 << 24) / 100;
        var search = new Searcher(keys, k, blockBytes, screened);
        for (long q0 = 0; q0 < nq; q0 += search.QueryChunk)
        {
            using var chunkScope = torch.NewDisposeScope();
            var rows = Math.Min(search.QueryChunk, nq - q0);
            var q = queries.narrow(0, q0, rows);
            var self = selfInKeys?.AsSpan((int)q0, (int)rows).ToArray();
            var output = result.AsSpan((int)(q0 * k), (int)(rows * k));
            if (!screened)
            {
                search.Exact(q, self, output);
                continue;
            }

            var failed = search.Screened(q, self, output);
            if (failed.Length > 0)
            {
                var exact = new long[failed.Length * k];
                search.Exact(SmoteFamily.Select(q, failed), self is null ? null : failed.Select(r => self[r]).ToArray(), exact);
                for (var i = 0; i < failed.Length; i++)
                {
                    exact.AsSpan(i * k, k).CopyTo(output.Slice((int)failed[i] * k, k));
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Runs <paramref name="search"/> with OpenBLAS using as many threads as libtorch: the matrix products go to the
    /// BLAS, which <see cref="TorchRuntime"/> keeps at one thread for training (where libtorch parallelises around
    /// it), and nothing else runs while a strategy generates.
    /// </summary>
    private static T WithBlasThreads<T>(Device device, Func<T> search)
    {
        var blas = device.IsCuda ? null : torch.get_blas_num_threads();
        var threads = torch.get_num_threads();
        if (blas is not { } before || before == threads)
        {
            return search();
        }

        torch.set_blas_num_threads(threads);
        try
        {
            return search();
        }
        finally
        {
            torch.set_blas_num_threads(before);
        }
    }

    /// <summary>
    /// A bound on |float32 result − exact| of ‖q‖² + ‖x‖² − 2 q·x for non-negative integer rows of length D:
    /// the product's error is at most γ_D Σ q_i x_i ≤ γ_D ‖q‖‖x‖ (γ_D = D·u / (1 − D·u), u = 2^−24, any summation
    /// order), the norms' rounding to float32 and the two additions at most 3u·S² more (S = ‖q‖ + ‖x‖); with
    /// ‖q‖‖x‖ ≤ S²/4 that is (γ_D/2 + 3u)·S², of which this returns about twice, for slack.
    /// </summary>
    internal static double ErrorBound(long d, double queryNorm, double maxKeyNorm)
    {
        const double u = 1.0 / (1 << 24);
        var gamma = d * u / (1 - (d * u));
        var scale = queryNorm + maxKeyNorm;
        return (gamma + (6 * u)) * scale * scale;
    }

    private sealed class Searcher
    {
        private readonly Tensor _keys;
        private readonly int _k;
        private readonly long _nk;
        private readonly long _d;
        private readonly long _blockBytes;
        private readonly bool _tieBreak;
        private readonly Tensor? _columnIndex;
        private readonly List<KeyBlock> _exactBlocks = [];
        private readonly List<KeyBlock> _screenBlocks = [];
        private readonly double _maxKeyNorm;

        /// <remarks>Creates its tensors in the caller's dispose scope.</remarks>
        public Searcher(Tensor keys, int k, long blockBytes, bool screened)
        {
            _keys = keys;
            _k = k;
            _nk = keys.size(0);
            _d = keys.size(1);
            _blockBytes = blockBytes;
            KeyRowsPerBlock = Math.Max(1, blockBytes / (8 * _d));
            QueryChunk = Math.Max(1, blockBytes / (8 * Math.Max(_nk, _d)));
            // Ties broken towards the lower index by ranking distance·nk + index, exact while it stays below 2^53
            // (the largest squared distance of uint8 rows is D·255²).
            _tieBreak = keys.dtype == ScalarType.UInt8 && _d * 65025.0 * _nk < 9.0e15;
            _columnIndex = _tieBreak ? torch.arange(_nk, ScalarType.Float64, keys.device) : null;
            for (long start = 0; start < _nk; start += KeyRowsPerBlock)
            {
                var length = Math.Min(KeyRowsPerBlock, _nk - start);
                var rows = keys.narrow(0, start, length).to(ScalarType.Float64);
                var norms = rows.square().sum(1);
                // Keep the converted rows when they all fit in one block; else convert again per query chunk. With the
                // screen, float32 rows are kept, and float64 ones made again for the rare rows that fall back.
                var single = _nk <= KeyRowsPerBlock;
                _exactBlocks.Add(new KeyBlock(start, length, single && !screened ? rows : null, norms));
                if (screened)
                {
                    _screenBlocks.Add(new KeyBlock(start, length, single ? rows.to(ScalarType.Float32) : null, norms.to(ScalarType.Float32)));
                }
            }

            _maxKeyNorm = screened ? Math.Sqrt(_exactBlocks.Max(b => b.Norms.max().item())) : 0;
        }

        public long KeyRowsPerBlock { get; }

        public long QueryChunk { get; }

        /// <summary>Exact float64 distances of the queries to every key, self excluded, ranked; writes rows·k positions.</summary>
        public void Exact(Tensor queries, long[]? self, Span<long> output)
        {
            using var scope = torch.NewDisposeScope();
            var q = queries.to(ScalarType.Float64);
            var distances = Distances(q, q.square().sum(1, keepdim: true), _exactBlocks, ScalarType.Float64);
            if (_columnIndex is not null)
            {
                distances = distances.mul_(_nk).add_(_columnIndex.unsqueeze(0));
            }

            ExcludeSelf(distances, self);
            var (_, indices) = distances.topk(_k, dim: 1, largest: false, sorted: true);
            indices.to(Device.CPU).CopyTo<long>(output);
        }

        /// <summary>
        /// The float32 screen, then exact distances of its candidates; writes the rows it can prove and returns the
        /// others. A row is proved when (1) the float32 gap between its k-th and (k+1)-th candidates exceeds twice
        /// the error bound, so that its first k candidates are the k nearest, which their exact distances then order;
        /// or else (2) when, among all k + Margin candidates ranked exactly, the k-th is nearer than the float32
        /// distance of the last candidate minus the bound, so that no key outside them can be nearer.
        /// </summary>
        public long[] Screened(Tensor queries, long[]? self, Span<long> output)
        {
            using var scope = torch.NewDisposeScope();
            var n = (int)queries.size(0);
            var candidates = (int)Math.Min(_nk, _k + Margin);
            var qNorms = queries.to(ScalarType.Float64).square().sum(1, keepdim: true);
            var approx = Distances(queries.to(ScalarType.Float32), qNorms.to(ScalarType.Float32), _screenBlocks, ScalarType.Float32);
            ExcludeSelf(approx, self);
            var (approxValues, cand) = approx.topk(candidates, dim: 1, largest: false, sorted: true);
            var approxHost = approxValues.to(ScalarType.Float64).to(Device.CPU).ToArray<double>();
            var normHost = qNorms.squeeze(1).sqrt().to(Device.CPU).ToArray<double>();
            var bound = new double[n];
            var gapped = new List<long>();
            var open = new List<long>();
            for (var i = 0; i < n; i++)
            {
                bound[i] = ErrorBound(_d, normHost[i], _maxKeyNorm);
                var gap = approxHost[(i * candidates) + _k] - approxHost[(i * candidates) + _k - 1];
                (gap > 2 * bound[i] ? gapped : open).Add(i);
            }

            var q32 = queries.to(ScalarType.Int32);
            if (gapped.Count > 0)
            {
                var rows = torch.from_array<long>(gapped.ToArray(), [gapped.Count], queries.device);
                var (chosen, _) = RankExactly(q32.index_select(0, rows), cand.index_select(0, rows).narrow(1, 0, _k));
                var chosenHost = chosen.to(Device.CPU).ToArray<long>();
                for (var j = 0; j < gapped.Count; j++)
                {
                    chosenHost.AsSpan(j * _k, _k).CopyTo(output.Slice((int)gapped[j] * _k, _k));
                }
            }

            var failed = new List<long>();
            if (open.Count > 0)
            {
                var rows = torch.from_array<long>(open.ToArray(), [open.Count], queries.device);
                var (chosen, kth) = RankExactly(q32.index_select(0, rows), cand.index_select(0, rows));
                var chosenHost = chosen.to(Device.CPU).ToArray<long>();
                var kthHost = kth.to(Device.CPU).ToArray<double>();
                for (var j = 0; j < open.Count; j++)
                {
                    var i = (int)open[j];
                    // Every key outside the candidates has float32 distance ≥ the last candidate's, so exact ≥ that − bound.
                    if (kthHost[j] < approxHost[(i * candidates) + candidates - 1] - bound[i])
                    {
                        chosenHost.AsSpan(j * _k, _k).CopyTo(output.Slice(i * _k, _k));
                    }
                    else
                    {
                        failed.Add(i);
                    }
                }
            }

            return [.. failed];
        }

        /// <summary>
        /// The exact distances Σ (x − q)² of each query's candidate keys (int32 differences and squares, summed in
        /// int64), in pieces of at most <see cref="PieceBytes"/>; returns the k nearest candidates, nearest first (ties
        /// to the lower index), and the k-th one's distance.
        /// </summary>
        private (Tensor chosen, Tensor kth) RankExactly(Tensor q32, Tensor cand)
        {
            var n = q32.size(0);
            var m = cand.size(1);
            var exact = torch.empty([n, m], ScalarType.Float64, q32.device);
            var subRows = Math.Max(1, PieceBytes / (4 * m * _d));
            for (long r0 = 0; r0 < n; r0 += subRows)
            {
                using var subScope = torch.NewDisposeScope();
                var r = Math.Min(subRows, n - r0);
                var diff = _keys.index_select(0, cand.narrow(0, r0, r).flatten()).to(ScalarType.Int32).view(r, m, _d)
                    .sub_(q32.narrow(0, r0, r).unsqueeze(1));
                exact.narrow(0, r0, r).copy_(diff.mul_(diff).sum(2));
            }

            var rank = _tieBreak ? exact.mul(_nk).add_(cand.to(ScalarType.Float64)) : exact;
            var (_, order) = rank.topk(_k, dim: 1, largest: false, sorted: true);
            return (cand.gather(1, order), exact.gather(1, order.narrow(1, _k - 1, 1)).squeeze(1));
        }

        private Tensor Distances(Tensor q, Tensor qNorms, List<KeyBlock> blocks, ScalarType type)
        {
            if (blocks.Count == 1 && blocks[0].Rows is { } all)
            {
                return q.mm(all.t()).mul_(-2).add_(qNorms).add_(blocks[0].Norms.unsqueeze(0));
            }

            var distances = torch.empty([q.size(0), _nk], type, q.device);
            foreach (var b in blocks)
            {
                using var blockScope = torch.NewDisposeScope();
                var keyRows = b.Rows ?? _keys.narrow(0, b.Start, b.Length).to(type);
                distances.narrow(1, b.Start, b.Length).copy_(q.mm(keyRows.t()).mul_(-2).add_(qNorms).add_(b.Norms.unsqueeze(0)));
            }

            return distances;
        }

        private static void ExcludeSelf(Tensor distances, long[]? self)
        {
            if (self is null)
            {
                return;
            }

            var rows = new List<long>();
            var columns = new List<long>();
            for (var r = 0; r < self.Length; r++)
            {
                if (self[r] >= 0)
                {
                    rows.Add(r);
                    columns.Add(self[r]);
                }
            }

            if (rows.Count > 0)
            {
                var device = distances.device;
                distances.index_put_(
                    [torch.from_array<long>(rows.ToArray(), [rows.Count], device), torch.from_array<long>(columns.ToArray(), [columns.Count], device)],
                    torch.full([rows.Count], double.PositiveInfinity, distances.dtype, device));
            }
        }
    }
}
