"""cuBLAS fp16 baselines for bench_w8a16: F.linear (x [M, K] @ W[N, K]^T) in fp16, timed the
same way (CUDA graph of 20 calls cycling weight copies that defeat L2, replayed 10 times)."""
import torch
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = True
print("| N | K | M | cuBLAS fp16 us | GB/s (fp16 W + x + out) | TFLOP/s |\n|---|---|---|---|---|---|")
for n, k in [(4096, 4096), (11008, 4096), (4096, 11008)]:
    copies = max(2, (256 << 20) // (2 * n * k) + 1)
    ws = [torch.randn(n, k, device="cuda", dtype=torch.float16) for _ in range(copies)]
    for m in [1, 2, 4, 8, 9, 12, 16, 17, 24, 32, 48, 64, 128, 256, 333, 512, 1024, 2048, 4096]:
        x = torch.randn(m, k, device="cuda", dtype=torch.float16)
        s = torch.cuda.Stream()
        with torch.cuda.stream(s):
            for i in range(3):
                F.linear(x, ws[i % copies])
            torch.cuda.synchronize()
            g = torch.cuda.CUDAGraph()
            with torch.cuda.graph(g, stream=s):
                for i in range(20):
                    F.linear(x, ws[i % copies])
            g.replay()
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            a.record(s)
            for _ in range(10):
                g.replay()
            b.record(s)
            b.synchronize()
        us = a.elapsed_time(b) * 1000 / 200
        byts = 2 * n * k + 2 * m * k + 2 * m * n
        print(f"| {n} | {k} | {m} | {us:.2f} | {byts / us / 1e3:.0f} | {2 * m * n * k / us / 1e6:.1f} |", flush=True)
