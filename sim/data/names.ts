/**
 * Vocabulary for generated personal data: names, places, phrases, sites.
 *
 * Privacy: every phone number the generator builds uses the NANP fiction range 555-0100…0199 (across
 * many area codes), every e-mail address and web site uses the reserved example.* domains or well-known
 * public sites, so nothing generated can reach a real person.
 */
export const FIRST_NAMES = [
  'Ava', 'Ben', 'Chloe', 'Daniel', 'Elena', 'Felix', 'Grace', 'Hugo', 'Isla', 'Jonas', 'Kira', 'Liam', 'Maya',
  'Noah', 'Olivia', 'Pablo', 'Quinn', 'Rosa', 'Sam', 'Tara', 'Uma', 'Victor', 'Wren', 'Xavier', 'Yara', 'Zoe',
  'Amir', 'Bianca', 'Carlos', 'Dana', 'Emil', 'Farah', 'Gabriel', 'Hana', 'Ivan', 'Jade', 'Kenji', 'Lena',
  'Marco', 'Nadia', 'Omar', 'Priya', 'Rafael', 'Sofia', 'Theo', 'Vera', 'Will', 'Yusuf', 'Zara', 'Leo',
] as const;

export const LAST_NAMES = [
  'Anderson', 'Brooks', 'Castillo', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Hughes', 'Ivanova', 'Jensen',
  'Kowalski', 'Larsen', 'Moreau', 'Nakamura', 'Okafor', 'Patel', 'Quintero', 'Rossi', 'Schmidt', 'Tanaka',
  'Umar', 'Varga', 'Weber', 'Xu', 'Yilmaz', 'Zimmermann', 'Bergström', 'Costa', 'Novak', 'Müller', 'Silva',
  'Kim', 'Nguyen', 'Haddad', 'Olsen', 'Petrov', 'Romero', 'Sato', 'Walsh', 'Young',
] as const;

export const ORGANIZATIONS = [
  'Acme Corp', 'Northwind Traders', 'Globex', 'Initech', 'Umbrella Health', 'Stark Design', 'Blue Harbor Café',
  'City Library', 'Riverside Dental', 'Summit Climbing Gym', 'Oak Street Bakery', 'Bright Path School',
] as const;

/** Area codes used with the 555-01xx fiction range (many codes, so a large address book stays unique). */
export const AREA_CODES = [
  '201', '202', '206', '212', '213', '303', '305', '312', '313', '404', '406', '415', '503', '512', '602',
  '617', '646', '702', '713', '718', '720', '773', '801', '808', '816', '818', '858', '907', '917', '971',
] as const;

export const MAIL_DOMAINS = ['example.com', 'example.org', 'example.net'] as const;

export const MESSAGE_PHRASES = [
  'Are you around later?', 'On my way!', 'Running 10 minutes late, sorry', 'Sounds good 👍', 'Can you call me when you get a sec?',
  'Did you see the game last night?', 'Happy birthday!! 🎉', 'Thanks so much!', 'Lunch tomorrow?', 'I left my keys at your place',
  'Just landed ✈️', 'Can you pick up milk on the way home?', 'Meeting moved to 3pm', 'That was hilarious 😂', 'Good night!',
  'Where should we meet?', 'The package arrived', 'Let me check and get back to you', 'Love that photo', 'See you Saturday',
  'Traffic is terrible today', 'What time does it start?', 'I’ll bring dessert', 'Can’t wait!', 'Miss you guys',
  'Do you have the wifi password?', 'Parking is on 5th street', 'Great job today!', 'Which restaurant was it again?',
  'Let’s do Friday instead', 'Ok', 'Yes!', 'No worries', 'Haha', 'Call you in 5', 'Heading out now', 'Almost there',
  'Did you book the tickets?', 'The kids loved it', 'Weather looks perfect for the hike', 'Sending the address now',
] as const;

export const GROUP_NAMES = ['Family', 'Weekend Hikers', 'Book Club 📚', 'Roommates', 'Soccer Team', 'Trip Planning', 'Work Friends'] as const;

export const EVENT_TITLES = [
  'Dentist', 'Team standup', 'Lunch with Maya', 'Yoga', 'Parent-teacher meeting', 'Flight to Denver', 'Haircut',
  'Project review', 'Birthday dinner', 'Car service', 'Book club', 'Soccer practice', 'Doctor appointment',
  'Quarterly planning', 'Coffee with Ben', 'Concert', 'Farmers market', 'Gym', 'Call with landlord', 'Date night',
] as const;

export const PLACES = [
  'Blue Harbor Café', 'Riverside Dental, 12 Main St', 'City Library', 'Conference Room B', 'Central Park',
  'Summit Climbing Gym', 'Oak Street Bakery', 'Airport Terminal 2', 'Town Hall', 'Home',
] as const;

export const NOTE_TOPICS: readonly { readonly title: string; readonly lines: readonly string[] }[] = [
  { title: 'Groceries', lines: ['Eggs', 'Oat milk', 'Spinach', 'Coffee beans', 'Tomatoes', 'Bread'] },
  { title: 'Gift ideas', lines: ['Mom: scarf', 'Ben: climbing shoes', 'Grace: cookbook', 'Theo: headphones'] },
  { title: 'Trip packing list', lines: ['Passport', 'Chargers', 'Sunscreen', 'Hiking boots', 'Rain jacket'] },
  { title: 'Books to read', lines: ['The Left Hand of Darkness', 'Project Hail Mary', 'Piranesi', 'Circe'] },
  { title: 'Meeting notes', lines: ['Agreed on Q3 roadmap', 'Follow up with design', 'Budget review next week'] },
  { title: 'Recipe: pancakes', lines: ['2 cups flour', '2 eggs', '1.5 cups milk', '1 tbsp sugar', 'Pinch of salt'] },
  { title: 'Workout plan', lines: ['Mon: run 5k', 'Wed: strength', 'Fri: swim', 'Sun: long walk'] },
  { title: 'Movie night', lines: ['Arrival', 'Spirited Away', 'Paddington 2', 'Knives Out'] },
  { title: 'Apartment', lines: ['Fix the kitchen tap', 'Call about parking permit', 'Buy new lamp'] },
  { title: 'Ideas', lines: ['Start a herb garden', 'Learn to make bread', 'Plan a weekend trip to the coast'] },
] as const;

export const SITES: readonly { readonly url: string; readonly title: string }[] = [
  { url: 'https://www.wikipedia.org/', title: 'Wikipedia' },
  { url: 'https://en.wikipedia.org/wiki/Lighthouse', title: 'Lighthouse - Wikipedia' },
  { url: 'https://www.apple.com/iphone/', title: 'iPhone - Apple' },
  { url: 'https://support.apple.com/en-us/108353', title: 'About encrypted backups on your iPhone - Apple Support' },
  { url: 'https://www.weather.gov/', title: 'National Weather Service' },
  { url: 'https://www.nytimes.com/', title: 'The New York Times' },
  { url: 'https://www.bbc.com/news', title: 'BBC News' },
  { url: 'https://github.com/', title: 'GitHub' },
  { url: 'https://news.ycombinator.com/', title: 'Hacker News' },
  { url: 'https://www.openstreetmap.org/', title: 'OpenStreetMap' },
  { url: 'https://www.allrecipes.com/recipe/21014/good-old-fashioned-pancakes/', title: 'Good Old-Fashioned Pancakes' },
  { url: 'https://www.nps.gov/yose/index.htm', title: 'Yosemite National Park' },
  { url: 'https://www.example.com/', title: 'Example Domain' },
  { url: 'https://developer.apple.com/documentation/', title: 'Apple Developer Documentation' },
  { url: 'https://www.imdb.com/title/tt2543164/', title: 'Arrival (2016) - IMDb' },
  { url: 'https://www.reddit.com/r/hiking/', title: 'r/hiking' },
  { url: 'https://maps.apple.com/', title: 'Apple Maps' },
  { url: 'https://www.theguardian.com/international', title: 'The Guardian' },
  { url: 'https://www.duolingo.com/', title: 'Duolingo' },
  { url: 'https://www.youtube.com/', title: 'YouTube' },
] as const;

export const WIFI_SSIDS = [
  'Home-5G', 'Home', 'Blue Harbor Guest', 'Office-Corp', 'Airport_Free_WiFi', 'Hotel Lobby', 'Library Public',
  'Summit Gym Members', 'Grandma’s WiFi', 'TrainWiFi', 'xfinitywifi', 'Conference-2024',
] as const;
