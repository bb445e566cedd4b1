using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Augmentation;

/// <summary>
/// Exact k-nearest-neighbour search (squared Euclidean) on the device, for the SMOTE family. Distances come from
/// ‖q‖² + ‖x‖² − 2 q·x in float64 through one matrix product per block: on uint8 pixels every term is an integer
/// below 2^53, so the result is exact whatever the summation order — the same neighbours on every device and
/// thread count. Ties go to the lower key index (as a stable sort would order them). Memory stays bounded: the
/// query rows are taken in chunks so that the [chunk, keys] distance matrix, and each float64 copy of a block of
/// rows, stays under <see cref="BlockBytes"/>.
/// </summary>
internal static class NearestNeighbors
{
    /// <summary>The most bytes one float64 working block (distances, or converted rows) may take.</summary>
    public const long BlockBytes = 256L << 20;

    /// <summary>
    /// The <paramref name="k"/> nearest keys of every query, nearest first: [queries.size(0) · k] positions into
    /// <paramref name="keys"/>, row by row. <paramref name="selfInKeys"/>, when given, is for each query its own
    /// position among the keys (−1 if none), which is never returned as a neighbour of it.
    /// </summary>
    /// <param name="keys">[nk, D] integer-valued rows (uint8 pixels), on the device.</param>
    /// <param name="queries">[nq, D] rows on the same device.</param>
    /// <param name="blockBytes">The memory bound of one working block (smaller in tests, to exercise the chunking).</param>
    public static long[] Search(Tensor keys, Tensor queries, int k, long[]? selfInKeys = null, long blockBytes = BlockBytes)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(queries);
        var nk = keys.size(0);
        var nq = queries.size(0);
        var d = keys.size(1);
        var available = nk - (selfInKeys is null ? 0 : 1);
        if (k < 1 || k > available)
        {
            throw new ArgumentOutOfRangeException(nameof(k), $"{k} nearest neighbours asked of {nk} candidates");
        }

        if (selfInKeys is not null && selfInKeys.Length != nq)
        {
            throw new ArgumentException("selfInKeys needs one entry per query", nameof(selfInKeys));
        }

        var result = new long[nq * k];
        if (nq == 0)
        {
            return result;
        }

        // Ties broken towards the lower index by ranking distance·nk + index, exact while it stays below 2^53
        // (the largest squared distance of uint8 rows is D·255²; other data is ranked by distance alone).
        var integral = !keys.dtype.IsFloatingPoint();
        var tieBreak = integral && d * 65025.0 * nk < 9.0e15;
        var keyRowsPerBlock = Math.Max(1, blockBytes / (8 * d));
        var queryChunk = Math.Clamp(blockBytes / (8 * Math.Max(nk, d)), 1, nq);

        using var scope = torch.NewDisposeScope();
        var device = keys.device;
        var keyBlocks = new List<(long start, long length, Tensor? rows, Tensor norms)>();
        for (long start = 0; start < nk; start += keyRowsPerBlock)
        {
            var length = Math.Min(keyRowsPerBlock, nk - start);
            var rows = keys.narrow(0, start, length).to(ScalarType.Float64);
            var norms = rows.square().sum(1);
            // Keep the converted rows when they all fit in one block; else convert again per query chunk.
            keyBlocks.Add((start, length, nk <= keyRowsPerBlock ? rows : null, norms));
        }

        var columnIndex = tieBreak ? torch.arange(nk, ScalarType.Float64, device) : null;
        for (long q0 = 0; q0 < nq; q0 += queryChunk)
        {
            using var chunkScope = torch.NewDisposeScope();
            var rows = Math.Min(queryChunk, nq - q0);
            var q = queries.narrow(0, q0, rows).to(ScalarType.Float64);
            var qNorms = q.square().sum(1, keepdim: true);
            Tensor distances;
            if (keyBlocks.Count == 1)
            {
                var block = keyBlocks[0];
                distances = q.mm(block.rows!.t()).mul_(-2).add_(qNorms).add_(block.norms.unsqueeze(0));
            }
            else
            {
                distances = torch.empty([rows, nk], ScalarType.Float64, device);
                foreach (var (start, length, kept, norms) in keyBlocks)
                {
                    using var blockScope = torch.NewDisposeScope();
                    var keyRows = kept ?? keys.narrow(0, start, length).to(ScalarType.Float64);
                    distances.narrow(1, start, length).copy_(q.mm(keyRows.t()).mul_(-2).add_(qNorms).add_(norms.unsqueeze(0)));
                }
            }

            if (columnIndex is not null)
            {
                distances = distances.mul_(nk).add_(columnIndex.unsqueeze(0));
            }

            if (selfInKeys is not null)
            {
                var self = selfInKeys.AsSpan((int)q0, (int)rows);
                var queryRows = new List<long>();
                var selfColumns = new List<long>();
                for (var r = 0; r < self.Length; r++)
                {
                    if (self[r] >= 0)
                    {
                        queryRows.Add(r);
                        selfColumns.Add(self[r]);
                    }
                }

                if (queryRows.Count > 0)
                {
                    var r = torch.from_array<long>(queryRows.ToArray(), [queryRows.Count], device);
                    var c = torch.from_array<long>(selfColumns.ToArray(), [selfColumns.Count], device);
                    distances.index_put_([r, c], torch.full([queryRows.Count], double.PositiveInfinity, ScalarType.Float64, device));
                }
            }

            var (_, indices) = distances.topk(k, dim: 1, largest: false, sorted: true);
            indices.to(Device.CPU).CopyTo<long>(result.AsSpan((int)(q0 * k), (int)(rows * k)));
        }

        return result;
    }
}
