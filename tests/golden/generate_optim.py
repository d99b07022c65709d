#!/usr/bin/python3
"""Reference numbers for tests/framework/test_sgd.cpp, test_adam.cpp and test_schedule.cpp.

Run with the system Python that has PyTorch (torch 1.13):  /usr/bin/python3 tests/golden/generate_optim.py
It prints C++ initialisers that the tests hard-code. The problem is the same for every
optimizer: two parameters, "w" [2,3] and "b" [2], with dyadic (exactly representable) initial
values and gradients, so C++ builds identical inputs:
    w0[i] = ((3*i) % 11 - 5) / 4          b0[i] = (i - 0.5) / 2
    grad at step k (k = 0, 1, ...) of element i of a parameter with offset o (w: 0, b: 6):
        ((7*(i+o) + 13*k) % 17 - 8) / 8
"b" gets no gradient (grad = None) at step 2 (k = 2) in the runs marked skip_b.
"""
import math
import torch

STEPS = 5


def grad(k, n, offset):
    return torch.tensor([((7 * (i + offset) + 13 * k) % 17 - 8) / 8 for i in range(n)], dtype=torch.float32)


def run(make, skip_b=False):
    w = torch.tensor([((3 * i) % 11 - 5) / 4 for i in range(6)], dtype=torch.float32).reshape(2, 3).requires_grad_()
    b = torch.tensor([(i - 0.5) / 2 for i in range(2)], dtype=torch.float32).requires_grad_()
    opt = make([w, b])
    rows = []
    for k in range(STEPS):
        opt.zero_grad(set_to_none=True)
        w.grad = grad(k, 6, 0).reshape(2, 3)
        b.grad = None if (skip_b and k == 2) else grad(k, 2, 6)
        opt.step()
        rows.append(w.detach().flatten().tolist() + b.detach().tolist())
    return rows


def fmt(x):
    return repr(float(torch.tensor(x, dtype=torch.float32).item())) + "f"


def print_table(name, rows):
    print(f"// {name}")
    print("{{")
    for r in rows:
        print("  {" + ", ".join(fmt(x) for x in r) + "},")
    print("}},")


OPTIMIZERS = [
    ("sgd plain lr=0.1", lambda p: torch.optim.SGD(p, lr=0.1), False),
    ("sgd momentum=0.9 weight_decay=0.01 lr=0.05", lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01), False),
    ("sgd nesterov momentum=0.8 lr=0.1", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.8, nesterov=True), False),
    ("sgd momentum=0.9 dampening=0.3 lr=0.1 skip_b", lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.3), True),
    ("adam default lr=0.01", lambda p: torch.optim.Adam(p, lr=0.01), False),
    ("adam weight_decay=0.1 betas=(0.8,0.99) eps=1e-3 lr=0.05 skip_b",
     lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.1), True),
    ("adamw weight_decay=0.1 lr=0.05", lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1), False),
    ("adamw default lr=1e-3 skip_b", lambda p: torch.optim.AdamW(p), True),
]


def schedule(make, n, base_lr=0.1):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


LR = torch.optim.lr_scheduler
SCHEDULES = [
    ("step step_size=3 gamma=0.5", lambda o: LR.StepLR(o, step_size=3, gamma=0.5), 12),
    ("cosine total=10 min_lr=0.001", lambda o: LR.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 11),
    ("warmup 4 start_factor=0.25 + step step_size=3 gamma=0.5",
     lambda o: LR.ChainedScheduler([LR.LinearLR(o, start_factor=0.25, total_iters=4), LR.StepLR(o, step_size=3, gamma=0.5)]), 12),
    ("warmup 5 start_factor=0.1 + cosine total=20",
     lambda o: LR.ChainedScheduler([LR.LinearLR(o, start_factor=0.1, total_iters=5), LR.CosineAnnealingLR(o, T_max=20)]), 21),
    ("warmup 3 start_factor=1/3 + constant", lambda o: LR.LinearLR(o, start_factor=1 / 3, total_iters=3), 6),
    ("one_cycle max_lr=0.1 total=20", lambda o: LR.OneCycleLR(o, max_lr=0.1, total_steps=20, cycle_momentum=False), 20),
    ("one_cycle max_lr=0.5 total=7 pct_start=0.5 div=10 final_div=100",
     lambda o: LR.OneCycleLR(o, max_lr=0.5, total_steps=7, pct_start=0.5, div_factor=10, final_div_factor=100,
                             cycle_momentum=False), 7),
]

if __name__ == "__main__":
    print(f"// torch {torch.__version__}: parameters [w0..w5, b0, b1] after each of {STEPS} steps")
    for name, make, skip_b in OPTIMIZERS:
        print_table(name, run(make, skip_b))
    print("// schedules: lr at step 0, 1, ...")
    for name, make, n in SCHEDULES:
        print(f"// {name}")
        print("{" + ", ".join(repr(x) for x in schedule(make, n)) + "},")
