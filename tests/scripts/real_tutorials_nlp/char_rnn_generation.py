# "NLP From Scratch: Generating Names with a Character-Level RNN" (PyTorch tutorials): an RNN that
# takes category + input + hidden, i2h/i2o/o2o with dropout and LogSoftmax, per-character NLLLoss
# accumulated over the line, manual SGD, sampling with topk and with torch.multinomial
import random
import string

import torch
import torch.nn as nn

random.seed(1)
torch.manual_seed(1)

all_letters = string.ascii_letters + " .,;'-"
n_letters = len(all_letters) + 1  # Plus EOS marker
category_lines = {
    'Russian': ['Abramov', 'Babin', 'Ivanov', 'Petrov', 'Sokolov', 'Volkov', 'Romanov', 'Orlov'],
    'German': ['Becker', 'Fischer', 'Hoffmann', 'Koch', 'Muller', 'Schmidt', 'Wagner', 'Weber'],
    'Spanish': ['Garcia', 'Lopez', 'Martinez', 'Perez', 'Sanchez', 'Romero', 'Navarro', 'Torres'],
}
all_categories = list(category_lines)
n_categories = len(all_categories)
print('# categories:', n_categories, all_categories, n_letters)


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(n_categories + input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(n_categories + input_size + hidden_size, output_size)
        self.o2o = nn.Linear(hidden_size + output_size, output_size)
        self.dropout = nn.Dropout(0.1)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, category, input, hidden):
        input_combined = torch.cat((category, input, hidden), 1)
        hidden = self.i2h(input_combined)
        output = self.i2o(input_combined)
        output_combined = torch.cat((hidden, output), 1)
        output = self.o2o(output_combined)
        output = self.dropout(output)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


def randomChoice(l):
    return l[random.randint(0, len(l) - 1)]


def randomTrainingPair():
    category = randomChoice(all_categories)
    line = randomChoice(category_lines[category])
    return category, line


# One-hot vector for category
def categoryTensor(category):
    li = all_categories.index(category)
    tensor = torch.zeros(1, n_categories)
    tensor[0][li] = 1
    return tensor


# One-hot matrix of first to last letters (not including EOS) for input
def inputTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li in range(len(line)):
        letter = line[li]
        tensor[li][0][all_letters.find(letter)] = 1
    return tensor


# ``LongTensor`` of second letter to end (EOS) for target
def targetTensor(line):
    letter_indexes = [all_letters.find(line[li]) for li in range(1, len(line))]
    letter_indexes.append(n_letters - 1)  # EOS
    return torch.LongTensor(letter_indexes)


def randomTrainingExample():
    category, line = randomTrainingPair()
    category_tensor = categoryTensor(category)
    input_line_tensor = inputTensor(line)
    target_line_tensor = targetTensor(line)
    return category_tensor, input_line_tensor, target_line_tensor


c, i, t = randomTrainingExample()
print(c, i.shape, i.sum(2).flatten(), t, t.dtype, t.type())
print(torch.LongTensor([1, 2]).type(), torch.LongTensor(2, 3).shape, torch.FloatTensor([[1, 2]]))

criterion = nn.NLLLoss()
learning_rate = 0.005
rnn = RNN(n_letters, 64, n_letters)
print(rnn)
print(sum(p.numel() for p in rnn.parameters()))


def train(category_tensor, input_line_tensor, target_line_tensor):
    target_line_tensor.unsqueeze_(-1)
    hidden = rnn.initHidden()
    rnn.zero_grad()
    loss = torch.Tensor([0])  # you can also just simply use ``loss = 0``
    for i in range(input_line_tensor.size(0)):
        output, hidden = rnn(category_tensor, input_line_tensor[i], hidden)
        l = criterion(output, target_line_tensor[i])
        loss += l
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item() / input_line_tensor.size(0)


n_iters = 400
print_every = 50
all_losses = []
total_loss = 0
for iter in range(1, n_iters + 1):
    output, loss = train(*randomTrainingExample())
    total_loss += loss
    if iter % print_every == 0:
        print('(%d %d%%) %.4f' % (iter, iter / n_iters * 100, loss))
        all_losses.append(total_loss / print_every)
        total_loss = 0
print(output.shape, output.exp().sum().item() > 0.99)

max_length = 10


# Sample from a category and starting letter
def sample(category, start_letter='A'):
    with torch.no_grad():  # no need to track history in sampling
        category_tensor = categoryTensor(category)
        input = inputTensor(start_letter)
        hidden = rnn.initHidden()
        output_name = start_letter
        for i in range(max_length):
            output, hidden = rnn(category_tensor, input[0], hidden)
            topv, topi = output.topk(1)
            topi = topi[0][0]
            if topi == n_letters - 1:
                break
            else:
                letter = all_letters[topi]
                output_name += letter
            input = inputTensor(letter)
        return output_name


# Get multiple samples from one category and multiple starting letters
def samples(category, start_letters='ABC'):
    for start_letter in start_letters:
        print(sample(category, start_letter))


rnn.eval()
samples('Russian', 'RUS')
samples('German', 'GER')
samples('Spanish', 'SPA')


def sample_multinomial(category, start_letter, temperature=0.8):
    with torch.no_grad():
        category_tensor = categoryTensor(category)
        input = inputTensor(start_letter)
        hidden = rnn.initHidden()
        output_name = start_letter
        for i in range(max_length):
            output, hidden = rnn(category_tensor, input[0], hidden)
            output_dist = output.data.view(-1).div(temperature).exp()
            top_i = torch.multinomial(output_dist, 1)[0]
            if top_i == n_letters - 1:
                break
            letter = all_letters[top_i]
            output_name += letter
            input = inputTensor(letter)
        return output_name


torch.manual_seed(5)
for cat in all_categories:
    print(cat, [sample_multinomial(cat, s) for s in 'ABK'])
probs = torch.softmax(rnn(categoryTensor('German'), inputTensor('K')[0], rnn.initHidden())[0], dim=1)
print(probs.topk(5))
print(torch.multinomial(probs, 4, replacement=True), torch.multinomial(probs[0], 3))
