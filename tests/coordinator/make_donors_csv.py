#!/usr/bin/env python3
"""Writes a large, valid donor spreadsheet (CSV) for timing `blooddrive-coordinator donor import`.

  tests/coordinator/make_donors_csv.py 10000 > /tmp/donors-10k.csv [--seed 7] [--bad 25]

Kazakh citizens get an IIN that matches their birth date and sex; about one donor in five is a
labour migrant from Uzbekistan, Kyrgyzstan or Tajikistan with only a passport. The same seed gives
the same file (so a second import of it creates nothing). --bad N spoils N rows (bad dates, blood
groups, check digits) to exercise rejections.
"""
import argparse
import csv
import random
import sys

KAZAKH = (["Ахметов", "Серіков", "Жақсылықов", "Омаров", "Нұрланов", "Қасымов", "Тоқтаров"],
          ["Нұрсұлтан", "Ерлан", "Асхат", "Дәурен", "Бауыржан", "Айдос"],
          ["Айгерім", "Динара", "Гүлнар", "Әсем", "Жанар", "Меруерт"])
RUSSIAN = (["Иванов", "Кузнецов", "Смирнов", "Попов", "Васильев", "Петров"],
           ["Андрей", "Сергей", "Дмитрий", "Алексей", "Игорь"],
           ["Елена", "Ольга", "Наталья", "Татьяна", "Ирина"])
MIGRANTS = [
    ("UZ", "uz", "+998 9{} {:03d} {:02d} {:02d}",  # 90, 91, 93, 94, 97, 99
     (["Rakhimov", "Karimov", "Yusupov", "Tursunov"], ["Sherzod", "Jasur", "Bekzod"],
      ["Malika", "Dilnoza", "Nigora"])),
    ("KG", "ky", "+996 55{} {:03d} {:03d}",
     (["Асанов", "Токтогулов", "Жумабеков"], ["Бакыт", "Нурлан", "Эрлан"],
      ["Айпери", "Жылдыз", "Гулзат"])),
    ("TJ", "tg", "+992 9{} {:03d} {:04d}",
     (["Назаров", "Рахмонов", "Шарипов"], ["Фаррух", "Далер", "Сухроб"],
      ["Мадина", "Зарина", "Нигина"])),
]
GROUPS = ["O(I) Rh+", "0+", "A(II) Rh+", "A-", "B(III) Rh+", "B-", "AB(IV) Rh+", "AB-", "II+", ""]


def iin(birth, male, serial):
    year, month, day = birth
    century_sex = 2 * (year // 100 - 18) + (1 if male else 2)
    while True:
        first = f"{year % 100:02d}{month:02d}{day:02d}{century_sex}{serial % 10000:04d}"

        def weighted(offset):
            return sum(int(first[i]) * ((i + offset) % 11 + 1) for i in range(11)) % 11

        check = weighted(0)
        if check == 10:
            check = weighted(2)
        if check != 10:
            return first + str(check)
        serial += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bad", type=int, default=0)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    out = csv.writer(sys.stdout, delimiter=";", lineterminator="\r\n")
    sys.stdout.write("\ufeff")
    out.writerow(["Фамилия", "Имя", "Дата рождения", "Пол", "Группа крови", "Телефон", "ИИН",
                  "Документ", "Номер документа", "Страна", "Язык"])
    used = set()
    bad = set(rnd.sample(range(args.rows), min(args.bad, args.rows)))
    for n in range(args.rows):
        male = rnd.random() < 0.5
        birth = (rnd.randint(1960, 2005), rnd.randint(1, 12), rnd.randint(1, 28))
        date = f"{birth[2]:02d}.{birth[1]:02d}.{birth[0]}"
        group = rnd.choice(GROUPS)
        if rnd.random() < 0.2:
            country, language, phone, names = rnd.choice(MIGRANTS)
            operator = rnd.choice("013479") if country == "UZ" else rnd.randint(0, 9)
            phone = phone.format(operator, rnd.randint(0, 999), rnd.randint(0, 99),
                                 rnd.randint(0, 99))
            while True:
                number = f"{rnd.choice('ABCFK')}{rnd.choice('ABCD')}{rnd.randint(0, 9999999):07d}"
                if (country, number) not in used:
                    break
            used.add((country, number))
            document = ["", "паспорт", number, country]
        else:
            names = rnd.choice([KAZAKH, RUSSIAN])
            language = "kk" if names is KAZAKH and rnd.random() < 0.6 else "ru"
            phone = f"+7 {rnd.choice(['701', '702', '705', '707', '747', '777'])} " \
                    f"{rnd.randint(0, 9999999):07d}"
            while True:
                number = iin(birth, male, rnd.randint(0, 9999))
                if number not in used:
                    break
            used.add(number)
            document = [number, "", "", ""]
        family = rnd.choice(names[0])
        given = rnd.choice(names[1] if male else names[2])
        if not male and family.endswith(("ов", "ев", "ov", "ev")):
            family += "а" if family[-1] in "ов" else "a"
        if n in bad:
            kind = rnd.randint(0, 2)
            if kind == 0:
                date = f"31.02.{birth[0]}"
            elif kind == 1:
                group = "C+"
            elif document[0]:
                document[0] = document[0][:11] + str((int(document[0][11]) + 1) % 10)
            else:
                date = "yesterday"
        out.writerow([family, given, date, "М" if male else "Ж", group, phone] + document +
                     [language])


if __name__ == "__main__":
    main()
