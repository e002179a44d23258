# DQN with a replay buffer on a CartPole-like environment written in plain Python
import math
import random
from collections import deque, namedtuple
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

random.seed(42)
np.random.seed(42)
torch.manual_seed(42)


class CartPole:
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02

    def reset(self):
        self.state = np.random.uniform(low=-0.05, high=0.05, size=(4,))
        self.steps = 0
        return np.array(self.state, dtype=np.float32)

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        costheta, sintheta = math.cos(theta), math.sin(theta)
        total_mass = self.masspole + self.masscart
        polemass_length = self.masspole * self.length
        temp = (force + polemass_length * theta_dot ** 2 * sintheta) / total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta ** 2 / total_mass))
        xacc = temp - polemass_length * thetaacc * costheta / total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = (x, x_dot, theta, theta_dot)
        self.steps += 1
        terminated = bool(x < -2.4 or x > 2.4 or theta < -12 * 2 * math.pi / 360 or theta > 12 * 2 * math.pi / 360)
        truncated = self.steps >= 100
        return np.array(self.state, dtype=np.float32), 0.0 if terminated else 1.0, terminated, truncated


Transition = namedtuple('Transition', ('state', 'action', 'next_state', 'reward', 'done'))


class ReplayMemory:
    def __init__(self, capacity):
        self.memory = deque([], maxlen=capacity)

    def push(self, *args):
        self.memory.append(Transition(*args))

    def sample(self, batch_size):
        return random.sample(self.memory, batch_size)

    def __len__(self):
        return len(self.memory)


class DQN(nn.Module):
    def __init__(self, n_observations, n_actions):
        super().__init__()
        self.layer1 = nn.Linear(n_observations, 64)
        self.layer2 = nn.Linear(64, 64)
        self.layer3 = nn.Linear(64, n_actions)

    def forward(self, x):
        x = F.relu(self.layer1(x))
        x = F.relu(self.layer2(x))
        return self.layer3(x)


BATCH_SIZE, GAMMA, EPS_START, EPS_END, EPS_DECAY, TAU, LR = 32, 0.99, 0.9, 0.05, 200, 0.005, 1e-3
env = CartPole()
policy_net = DQN(4, 2)
target_net = DQN(4, 2)
target_net.load_state_dict(policy_net.state_dict())
print(target_net.load_state_dict(policy_net.state_dict()))
optimizer = optim.AdamW(policy_net.parameters(), lr=LR, amsgrad=True)
memory = ReplayMemory(2000)
steps_done = 0


def select_action(state):
    global steps_done
    sample = random.random()
    eps_threshold = EPS_END + (EPS_START - EPS_END) * math.exp(-1. * steps_done / EPS_DECAY)
    steps_done += 1
    if sample > eps_threshold:
        with torch.no_grad():
            return policy_net(state).max(1).indices.view(1, 1)
    return torch.tensor([[random.randrange(2)]], dtype=torch.long)


def optimize_model():
    if len(memory) < BATCH_SIZE:
        return None
    transitions = memory.sample(BATCH_SIZE)
    batch = Transition(*zip(*transitions))
    state_batch = torch.tensor(np.array(batch.state))
    next_state_batch = torch.tensor(np.array(batch.next_state))
    action_batch = torch.cat(batch.action)
    reward_batch = torch.tensor(batch.reward, dtype=torch.float32)
    done_batch = torch.tensor(batch.done, dtype=torch.bool)
    state_action_values = policy_net(state_batch).gather(1, action_batch)
    with torch.no_grad():
        next_state_values = target_net(next_state_batch).max(1)[0]
        next_state_values[done_batch] = 0.0
    expected = (next_state_values * GAMMA) + reward_batch
    criterion = nn.SmoothL1Loss()
    loss = criterion(state_action_values, expected.unsqueeze(1))
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_value_(policy_net.parameters(), 100)
    optimizer.step()
    return loss.item()


for i_episode in range(6):
    state = torch.tensor(env.reset(), dtype=torch.float32).unsqueeze(0)
    losses = []
    for t in range(100):
        action = select_action(state)
        observation, reward, terminated, truncated = env.step(action.item())
        reward_t = torch.tensor([reward])
        done = terminated or truncated
        memory.push(state.squeeze(0).numpy(), action, observation, reward, terminated)
        state = torch.tensor(observation, dtype=torch.float32).unsqueeze(0)
        l = optimize_model()
        if l is not None:
            losses.append(l)
        target_net_state_dict = target_net.state_dict()
        policy_net_state_dict = policy_net.state_dict()
        for key in policy_net_state_dict:
            target_net_state_dict[key] = policy_net_state_dict[key] * TAU + target_net_state_dict[key] * (1 - TAU)
        target_net.load_state_dict(target_net_state_dict)
        if done:
            break
    print(f'episode {i_episode} duration {t + 1} mean loss {np.mean(losses) if losses else float("nan"):.5f} memory {len(memory)}')

# soft target updates as libraries write them (torchrl: _foreach_lerp_, SB3: _foreach_mul_ + _foreach_add_)
with torch.no_grad():
    t_params, p_params = list(target_net.parameters()), list(policy_net.parameters())
    torch._foreach_lerp_(t_params, p_params, TAU)
    print('after lerp', target_net.layer3.bias)
    torch._foreach_mul_(t_params, 1 - TAU)
    torch._foreach_add_(t_params, p_params, alpha=TAU)
    print('after mul/add', target_net.layer3.bias, [n.item() for n in torch._foreach_norm(t_params)][:2])
    diffs = torch._foreach_sub(p_params, t_params)
    print('max diff', max(d.abs().max().item() for d in diffs))
# a hard target update and the usual inspection prints
target_net.load_state_dict(policy_net.state_dict())
batch = Transition(*zip(*memory.sample(8)))
s = torch.tensor(np.array(batch.state))
print('state batch', s.shape, s.dtype)
q = policy_net(s)
print('q', q.detach())
print('max', q.max(1))
print('argmax', q.argmax(1), q.argmax(dim=1, keepdim=True).shape)
a = torch.cat(batch.action)
print('actions', a.view(-1), a.dtype)
print('gathered', q.gather(1, a).squeeze(1).detach())
targets = q.clone()
targets[0] = q[0].max().view(1) * 0.5
targets[1, a[1]] = torch.tensor([2.0])
print('targets', targets)
print('smooth_l1', F.smooth_l1_loss(q.gather(1, a).squeeze(1), torch.ones(8), beta=0.5).item())
print('huber', F.huber_loss(q.gather(1, a).squeeze(1), torch.ones(8), delta=0.5, reduction='sum').item())
print('mse none', F.mse_loss(q[:, 0], q[:, 1], reduction='none').detach())
print(torch.tensor([np.float32(1.5), np.float32(2.5)]), torch.tensor(np.float64(3.0)).dtype)
print(torch.as_tensor([0, 1, 1], dtype=torch.int64).bool())
# a transition with a truncated observation slips into the buffer: torch refuses the ragged batch
try:
    torch.tensor([np.zeros(4, dtype=np.float32), np.zeros(3, dtype=np.float32)])
except ValueError as e:
    print('ValueError:', e)
try:
    torch.tensor(['left', 'right'])
except ValueError as e:
    print('ValueError:', e)
